#pragma once
// Element conversion from a data file's dtype into a model input's dtype, and the shape rules
// shared by the sources. Pure functions; the sources own the files.

#include "data/DataSource.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ql::data {

// Source element types a file may hold (numpy/IDX dtypes mapped onto TensorType).
bool isReadableType(TensorType t);
// Input types a sample can be converted into.
bool isWritableType(TensorType t);

// Stores real value r into one element of the input's dtype at `out`:
// quantized integer input: q = clamp(round(r / scale) + zero_point, qmin, qmax) (TFLite's
// AffineQuantize: float division, std::round = half away from zero); plain integer input:
// clamp(round(r)); bool: r != 0; float: r.
void storeReal(double r, const InputInfo& dst, uint8_t* out);

// Converts `count` elements of type `srcType` (row-major bytes) into `dst.type` at `out`.
// Identical types are copied bit for bit (integers are not re-quantized).
void convertNumeric(const uint8_t* src, TensorType srcType, size_t count, const InputInfo& dst, uint8_t* out);

// Converts pixel values (0..255, fractional after resizing, already in the input's layout) into the input's dtype, see
// DataSource.h for the rules. The channel of element e is (e / channelInner) % channels
// (NHWC: channelInner 1; NCHW: channelInner = H * W).
void convertPixels(std::span<const float> pixels, size_t channels, size_t channelInner, const InputInfo& dst,
                   const Normalization* norm, uint8_t* out);

// "[1, 28, 28, 1]"
std::string shapeString(std::span<const int32_t> shape);
// Shapes equal after dropping every dimension of size 1.
bool squeezedEqual(std::span<const int32_t> a, std::span<const int32_t> b);

// How items of a file (shape `item`, the file's shape without its first dimension) fill one
// sample of `input`: 1 when the item is the whole input (equal or equal after squeezing),
// input.shape[0] when the item is one batch row of an input with batch > 1, 0 when they
// do not fit. `allowFlatten` also accepts any item whose element count equals the input's.
size_t itemsPerSample(std::span<const int32_t> item, const InputInfo& input, bool allowFlatten);

} // namespace ql::data
