#pragma once
// Custom operator options: the flexbuffer that TFLite stores verbatim in
// Operator.custom_options (custom_options_format FLEXBUFFERS). Real custom operators
// (TFLite_Detection_PostProcess, AudioSpectrogram, Mfcc, MediaPipe's operators) write one map
// of scalars, strings and vectors; TFLite's kernels read it with flexbuffers::GetRoot(...).AsMap()
// in their Init (e.g. detection_postprocess.cc). The bytes are untrusted: they are verified
// with flexbuffers::Verifier before anything is read.

#include "model/OptionsInfo.h"
#include "util/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ql {

// One decoded entry of the root map. Numbers are kept as double (exact for every int32 and
// float value); vectors of numbers as a list.
struct CustomOption {
    enum class Kind { Bool, Int, Float, String, Numbers, Other };
    std::string key;
    Kind kind = Kind::Other;
    double number = 0;
    std::string text;            // String
    std::vector<double> numbers; // Numbers
};

class CustomOptions {
public:
    // Decodes the root map. Empty bytes give an empty set; bytes that are not a valid
    // flexbuffer, or whose root is not a map, give an error saying so.
    static Result<CustomOptions> parse(const std::vector<uint8_t>& bytes);

    const std::vector<CustomOption>& entries() const { return m_entries; }
    const CustomOption* find(const std::string& key) const;
    // Typed look-ups: the value when the key exists with a number (bool counts as 0/1).
    std::optional<double> number(const std::string& key) const;
    std::optional<std::string> string(const std::string& key) const;

private:
    std::vector<CustomOption> m_entries;
};

// The options of a custom operator as display fields (inspector, JSON). MediaPipe's
// Convolution2DTransposeBias, MaxPoolingWithArgmax2D and MaxUnpooling2D store raw C structs
// (TfLiteTransposeConvParams, TfLitePoolParams) instead of a flexbuffer: their int32 fields
// are shown by name. Others are decoded as a flexbuffer map; a single "custom_options_error"
// field says when the bytes do not decode.
std::vector<OptionField> describeCustomOptions(const std::string& customCode,
                                               const std::vector<uint8_t>& bytes);

} // namespace ql
