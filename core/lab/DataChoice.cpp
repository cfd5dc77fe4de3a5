#include "lab/DataChoice.h"

#include "model/TensorTypes.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace ql::lab {
namespace {

std::string joinFloats(const std::vector<float>& v) {
    std::ostringstream out;
    for (size_t i = 0; i < v.size(); ++i)
        out << (i ? "," : "") << v[i];
    return out.str();
}

// "1,2.5,3" -> {1, 2.5, 3}; every item a finite number.
Result<std::vector<float>> parseFloats(std::string_view text, std::string_view what) {
    std::vector<float> out;
    while (!text.empty()) {
        const size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        float v = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (ec != std::errc() || end != item.data() + item.size() || !std::isfinite(v))
            return makeError(std::string(what) + ": '" + std::string(item) + "' is not a number");
        out.push_back(v);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    if (out.empty()) return makeError(std::string(what) + ": no value");
    return out;
}

} // namespace

bool isRandomSpec(std::string_view spec) {
    return spec.substr(0, 7) == "random:";
}

std::string formatNormalization(const data::Normalization& n) {
    if (n.isMeanStd())
        return "mean=" + joinFloats(n.mean) +
               " std=" + joinFloats(n.stddev.empty() ? std::vector<float>{1.0f} : n.stddev);
    return "range=" + joinFloats({n.lo, n.hi});
}

Result<std::optional<data::Normalization>> parseNormalization(std::string_view text) {
    std::vector<std::string_view> words;
    while (!text.empty()) {
        const size_t start = text.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        text.remove_prefix(start);
        const size_t end = text.find(' ');
        words.push_back(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end);
    }
    if (words.empty()) return std::optional<data::Normalization>();
    std::optional<std::vector<float>> mean, stddev, range;
    for (std::string_view w : words) {
        const size_t eq = w.find('=');
        const std::string_view key = w.substr(0, eq);
        if (eq == std::string_view::npos || (key != "mean" && key != "std" && key != "range"))
            return makeError("normalisation: '" + std::string(w) +
                             "': expected mean=M std=S or range=LO,HI");
        auto values = parseFloats(w.substr(eq + 1), key);
        if (!values) return makeError("normalisation: " + values.message());
        (key == "mean" ? mean : key == "std" ? stddev : range) = std::move(*values);
    }
    if (range) {
        if (mean || stddev) return makeError("normalisation: give mean/std or range, not both");
        if (range->size() != 2 || (*range)[0] >= (*range)[1])
            return makeError("normalisation: range needs two values LO,HI with LO < HI");
        return std::optional(data::Normalization::range((*range)[0], (*range)[1]));
    }
    if (!mean || !stddev) return makeError("normalisation: mean and std go together");
    for (float s : *stddev)
        if (s == 0.0f) return makeError("normalisation: std must not be 0");
    return std::optional(data::Normalization::meanStd(std::move(*mean), std::move(*stddev)));
}

std::string describeInputs(const data::ModelInputInfo& info) {
    std::ostringstream out;
    for (size_t i = 0; i < info.inputs.size(); ++i) {
        const auto& in = info.inputs[i];
        out << (i ? "\n" : "") << "input " << i << " '" << in.name << "': " << typeName(in.type)
            << " [";
        for (size_t d = 0; d < in.shape.size(); ++d)
            out << (d ? ", " : "") << in.shape[d];
        out << "]";
        if (in.quantized) out << " (scale " << in.scale << ", zero_point " << in.zeroPoint << ")";
        const auto& meta =
            i < info.metadataNormalization.size() ? info.metadataNormalization[i] : std::nullopt;
        if (meta)
            out << "; metadata normalisation: " << formatNormalization(*meta);
        else
            out << "; no normalisation in the metadata (images: pixels / 255 into a float input)";
    }
    return out.str();
}

data::DataOptions DataChoice::options() const {
    data::DataOptions o;
    o.normalization = normalization;
    return o;
}

std::string DataChoice::serialize() const {
    return spec + "\n" + (normalization ? formatNormalization(*normalization) : std::string());
}

DataChoice DataChoice::deserialize(std::string_view text) {
    DataChoice c;
    const size_t nl = text.find('\n');
    c.spec = std::string(text.substr(0, nl));
    if (nl != std::string_view::npos)
        if (auto n = parseNormalization(text.substr(nl + 1))) c.normalization = *n;
    return c;
}

std::string randomDataWarning(std::string_view spec) {
    return "Computed on random noise (" + std::string(spec) +
           "), not on data: a smoke test only. Rankings, SQNRs and accuracies say nothing about "
           "real inputs.";
}

} // namespace ql::lab
