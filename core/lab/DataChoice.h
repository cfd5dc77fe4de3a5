#pragma once
// The data a lab job runs on, chosen by the user: a source (a data source spec: image folder, .npy/.npz, IDX or random:N), the pixel
// normalisation for image data, and whether it is random noise. Random noise is a smoke test:
// its rankings and SQNRs say nothing about the model on real inputs, so the lab only uses it
// when it was chosen explicitly, and marks every result it produced (isRandomSpec).
//
// The choice is stored per model as text ("spec\nnormalisation"), the normalisation as
// "mean=127.5 std=127.5" (one value or one per channel, comma-separated; r = (p - mean) / std on
// pixels p in [0, 255], the TFLite metadata convention) or "range=0,1" (pixels mapped linearly
// onto [lo, hi]); an empty normalisation means "from the model's metadata, else p / 255".

#include "data/DataSource.h"
#include "util/Result.h"

#include <optional>
#include <string>
#include <string_view>

namespace ql::lab {

// True for "random:N[:SEED]" (the only source that is not data).
bool isRandomSpec(std::string_view spec);

std::string formatNormalization(const data::Normalization& n);
// Parses formatNormalization's text; empty text gives nullopt (metadata or default).
Result<std::optional<data::Normalization>> parseNormalization(std::string_view text);

// "input 0 'image': float32 [1, 224, 224, 3]", one line per input of subgraph 0, and where the
// normalisation comes from ("metadata: mean=127.5 std=127.5" or "no metadata: pixels / 255").
std::string describeInputs(const data::ModelInputInfo& info);

struct DataChoice {
    std::string spec;                                 // empty: nothing chosen yet
    std::optional<data::Normalization> normalization; // nullopt: metadata, else default

    bool empty() const { return spec.empty(); }
    bool isRandom() const { return isRandomSpec(spec); }
    // The options a data source is opened with (normalisation only; limits are the caller's).
    data::DataOptions options() const;
    std::string serialize() const;
    static DataChoice deserialize(std::string_view text); // bad normalisation text is dropped
};

// The warning shown with every result computed on random noise.
std::string randomDataWarning(std::string_view spec);

} // namespace ql::lab
