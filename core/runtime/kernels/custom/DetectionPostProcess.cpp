// TFLite_Detection_PostProcess: the last step of every SSD-style detector. Decodes box
// encodings against anchors, then selects boxes by non-maximum suppression, either
// "regular" (NMS per class, then the best max_detections over all classes) or "fast" (one
// NMS over each anchor's best class score, keeping its max_classes_per_detection classes).
// Matches tensorflow/lite/kernels/detection_postprocess.cc step by step: decoding in double
// (DecodeCenterSizeBoxes), thresholds (score >= nms_score_threshold, IoU > nms_iou_threshold),
// a stable decreasing sort of the kept scores (DecreasingArgSort) and a partial sort where
// TFLite uses one (DecreasingPartialArgSort; first maximum when one element is wanted).
//
// Inputs: box encodings [1, N, >=4] (y, x, h, w first), class scores [1, N, C or C+1] (a
// leading background column when C+1), anchors [N, 4] (ycenter, xcenter, h, w); float32, or
// uint8 dequantized as TFLite does (r = s * (q - z)). int8 is accepted too, dequantized the
// same way (TFLite's kernel has no int8 path). Outputs, float32, shapes fixed at prepare as in
// TFLite: boxes [1, D, 4] (ymin, xmin, ymax, xmax), classes [1, D], scores [1, D], count [1],
// D = max_detections * max_classes_per_detection. Slots past the detections are zero
// (TFLite leaves fast-NMS slots unwritten; its fresh arena holds zeros).
#include "model/CustomOptions.h"
#include "runtime/kernels/custom/CustomKernels.h"
#include "runtime/kernels/elementwise/Common.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace ql::rt::custom {
namespace {

constexpr int kCoords = 4;
constexpr int kDefaultDetectionsPerClass = 100; // TFLite's kNumDetectionsPerClass

struct Corner {
    float ymin, xmin, ymax, xmax;
};

struct Params {
    int maxDetections = 0;
    int maxClassesPerDetection = 0;
    int detectionsPerClass = kDefaultDetectionsPerClass;
    bool regularNms = false;
    float scoreThreshold = 0;
    float iouThreshold = 0;
    int numClasses = 0;
    float yScale = 0, xScale = 0, hScale = 0, wScale = 0;
};

// Reads an element of a float or (u)int8 tensor as float: r = s * (q - z).
float valueAt(const RtTensor& t, int64_t i) {
    switch (t.type) {
    case TensorType::FLOAT32:
        return t.as<float>()[i];
    case TensorType::UINT8:
        return static_cast<float>(int32_t(t.as<uint8_t>()[i]) - t.zeroPoint()) * t.scale();
    default:
        return static_cast<float>(int32_t(t.as<int8_t>()[i]) - t.zeroPoint()) * t.scale();
    }
}

// IoU of two decoded boxes, in float as TFLite's ComputeIntersectionOverUnion; 0 when either
// box has no area.
float intersectionOverUnion(const Corner& a, const Corner& b) {
    const float areaA = (a.ymax - a.ymin) * (a.xmax - a.xmin);
    const float areaB = (b.ymax - b.ymin) * (b.xmax - b.xmin);
    if (areaA <= 0 || areaB <= 0) return 0.0f;
    const float ih = std::max(std::min(a.ymax, b.ymax) - std::max(a.ymin, b.ymin), 0.0f);
    const float iw = std::max(std::min(a.xmax, b.xmax) - std::max(a.xmin, b.xmin), 0.0f);
    const float inter = ih * iw;
    return inter / (areaA + areaB - inter);
}

// The first `count` indices of `values` in decreasing order: the first maximum for one,
// else std::partial_sort (TFLite's DecreasingPartialArgSort; equal scores may be ordered
// differently from TFLite's standard library there).
void decreasingPartialArgSort(const float* values, int n, int count, int* indices) {
    if (count == 1) {
        indices[0] = static_cast<int>(std::max_element(values, values + n) - values);
        return;
    }
    std::iota(indices, indices + n, 0);
    std::partial_sort(indices, indices + count, indices + n,
                      [values](int i, int j) { return values[i] > values[j]; });
}

class DetectionPostProcess : public OpKernel {
public:
    explicit DetectionPostProcess(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(3, 3); !s) return s;
        if (Status s = ctx.requireOutputs(4); !s) return s;
        if (Status s = readParams(ctx); !s) return s;
        const RtTensor& boxes = *ctx.input(0);
        const RtTensor& scores = *ctx.input(1);
        const RtTensor& anchors = *ctx.input(2);
        const std::initializer_list<TensorType> types{TensorType::FLOAT32, TensorType::UINT8,
                                                      TensorType::INT8};
        if (Status s = ew::requireType(ctx, boxes, "box encodings", types); !s) return s;
        if (Status s = ew::requireType(ctx, scores, "class predictions", types); !s) return s;
        if (Status s = ew::requireType(ctx, anchors, "anchors", types); !s) return s;
        for (const auto& [t, role] : {std::pair{&boxes, "box encodings"},
                                      {&scores, "class predictions"},
                                      {&anchors, "anchors"}})
            if (t->type != TensorType::FLOAT32)
                if (Status s = ew::requirePerTensorQuant(ctx, *t, role); !s) return s;
        if (boxes.rank() != 3 || boxes.dim(0) != 1 || boxes.dim(2) < kCoords)
            return ctx.error(ew::describe(boxes, "box encodings") +
                             " must have shape [1, boxes, >=4]");
        m_boxes = boxes.dim(1);
        m_encodingLength = boxes.dim(2);
        if (scores.rank() != 3 || scores.dim(0) != 1 || scores.dim(1) != m_boxes)
            return ctx.error(ew::describe(scores, "class predictions") + " must have shape [1, " +
                             std::to_string(m_boxes) + ", classes]");
        m_classesWithBackground = scores.dim(2);
        m_labelOffset = m_classesWithBackground - m_params.numClasses;
        if (m_labelOffset < 0 || m_labelOffset > 1)
            return ctx.error(ew::describe(scores, "class predictions") + " has " +
                             std::to_string(m_classesWithBackground) + " columns; num_classes " +
                             std::to_string(m_params.numClasses) +
                             " needs that many or one more (a background column)");
        if (anchors.rank() != 2 || anchors.dim(0) != m_boxes || anchors.dim(1) != kCoords)
            return ctx.error(ew::describe(anchors, "anchors") + " must have shape [" +
                             std::to_string(m_boxes) + ", 4]");
        const int64_t detections =
            int64_t(m_params.maxDetections) * m_params.maxClassesPerDetection;
        if (detections > (int64_t(1) << 24))
            return ctx.error("max_detections * max_classes_per_detection = " +
                             std::to_string(detections) + " is too large");
        m_detections = static_cast<int32_t>(detections);
        const char* outNames[] = {"detection boxes", "detection classes", "detection scores",
                                  "number of detections"};
        for (size_t i = 0; i < 4; ++i)
            if (ctx.output(i).type != TensorType::FLOAT32)
                return ctx.error(ew::describe(ctx.output(i), outNames[i]) + " must be float32");
        ctx.setOutputShape(0, {1, m_detections, kCoords});
        ctx.setOutputShape(1, {1, m_detections});
        ctx.setOutputShape(2, {1, m_detections});
        ctx.setOutputShape(3, {1});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        if (Status s = decodeBoxes(ctx); !s) return s;
        const RtTensor& scoreTensor = *ctx.input(1);
        const float* scores = scoreTensor.as<float>();
        if (scoreTensor.type != TensorType::FLOAT32) {
            m_scores.resize(size_t(m_boxes) * size_t(m_classesWithBackground));
            for (size_t i = 0; i < m_scores.size(); ++i)
                m_scores[i] = valueAt(scoreTensor, int64_t(i));
            scores = m_scores.data();
        }
        for (size_t i = 0; i < 4; ++i)
            std::memset(ctx.output(i).data, 0, ctx.output(i).bytes);
        return m_params.regularNms ? regularNms(ctx, scores) : fastNms(ctx, scores);
    }

private:
    Status readParams(KernelContext& ctx) {
        auto parsed = CustomOptions::parse(ctx.op().customOptions);
        if (!parsed) return ctx.error(parsed.message());
        const CustomOptions& o = parsed.value();
        auto required = [&](const char* key, double& out) -> Status {
            const auto v = o.number(key);
            if (!v)
                return ctx.error("custom option '" + std::string(key) +
                                 "' is missing or not a number");
            out = *v;
            return {};
        };
        double maxDet = 0, maxCls = 0, score = 0, iou = 0, classes = 0, y = 0, x = 0, h = 0, w = 0;
        for (auto [key, out] : {std::pair{"max_detections", &maxDet},
                                {"max_classes_per_detection", &maxCls},
                                {"nms_score_threshold", &score},
                                {"nms_iou_threshold", &iou},
                                {"num_classes", &classes},
                                {"y_scale", &y},
                                {"x_scale", &x},
                                {"h_scale", &h},
                                {"w_scale", &w}})
            if (Status s = required(key, *out); !s) return s;
        auto countOption = [&](const char* key, double v, int lo, int& out) -> Status {
            if (!(v >= lo && v <= (1 << 24)) || v != std::floor(v))
                return ctx.error("custom option " + std::string(key) + " = " + std::to_string(v) +
                                 " must be an integer from " + std::to_string(lo) + " to " +
                                 std::to_string(1 << 24));
            out = static_cast<int>(v);
            return {};
        };
        if (Status s = countOption("max_detections", maxDet, 0, m_params.maxDetections); !s)
            return s;
        if (Status s = countOption("max_classes_per_detection", maxCls, 1,
                                   m_params.maxClassesPerDetection);
            !s)
            return s;
        if (Status s = countOption("num_classes", classes, 1, m_params.numClasses); !s) return s;
        m_params.regularNms = o.number("use_regular_nms").value_or(0) != 0;
        if (auto d = o.number("detections_per_class"))
            if (Status s = countOption("detections_per_class", *d, 1, m_params.detectionsPerClass);
                !s)
                return s;
        m_params.scoreThreshold = static_cast<float>(score);
        m_params.iouThreshold = static_cast<float>(iou);
        // TFLite's NonMaxSuppressionSingleClassHelper: 0 < IoU threshold <= 1.
        if (!(m_params.iouThreshold > 0.0f && m_params.iouThreshold <= 1.0f))
            return ctx.error("custom option nms_iou_threshold = " + std::to_string(iou) +
                             " must be in (0, 1]");
        m_params.yScale = float(y), m_params.xScale = float(x), m_params.hScale = float(h),
        m_params.wScale = float(w);
        for (float s : {m_params.yScale, m_params.xScale, m_params.hScale, m_params.wScale})
            if (!(s != 0.0f) || !std::isfinite(s))
                return ctx.error("custom options y_scale, x_scale, h_scale and w_scale must be "
                                 "finite and non-zero");
        return {};
    }

    // Centre-size encodings to corners (TFLite's DecodeCenterSizeBoxes, in double):
    // yc = y / y_scale * anchor_h + anchor_y, half_h = 0.5 * exp(h / h_scale) * anchor_h, etc.
    Status decodeBoxes(KernelContext& ctx) {
        const RtTensor& enc = *ctx.input(0);
        const RtTensor& anc = *ctx.input(2);
        m_decoded.resize(static_cast<size_t>(m_boxes));
        const Params& p = m_params;
        for (int32_t i = 0; i < m_boxes; ++i) {
            const int64_t e = int64_t(i) * m_encodingLength, a = int64_t(i) * kCoords;
            const double y = valueAt(enc, e), x = valueAt(enc, e + 1), h = valueAt(enc, e + 2),
                         w = valueAt(enc, e + 3);
            const double ay = valueAt(anc, a), ax = valueAt(anc, a + 1), ah = valueAt(anc, a + 2),
                         aw = valueAt(anc, a + 3);
            const float yc = static_cast<float>(y / double(p.yScale) * ah + ay);
            const float xc = static_cast<float>(x / double(p.xScale) * aw + ax);
            const float halfH = static_cast<float>(0.5 * std::exp(h / double(p.hScale)) * ah);
            const float halfW = static_cast<float>(0.5 * std::exp(w / double(p.wScale)) * aw);
            Corner& c = m_decoded[size_t(i)];
            c = {yc - halfH, xc - halfW, yc + halfH, xc + halfW};
            // TFLite's ValidateBoxes fails the run on an inverted box (a negative anchor size).
            if (c.ymin > c.ymax || c.xmin > c.xmax)
                return ctx.error("anchor " + std::to_string(i) +
                                 " decodes to an inverted box (ymin " + std::to_string(c.ymin) +
                                 " > ymax " + std::to_string(c.ymax) +
                                 " or xmin > xmax); TFLite rejects it too");
        }
        return {};
    }

    // TFLite's NonMaxSuppressionSingleClassHelper: keeps scores >= threshold, sorts them
    // (stable, decreasing), then greedily selects boxes whose IoU with every selected box is
    // at most the IoU threshold, up to `maxDetections`. `selected` gets anchor indices.
    void singleClassNms(const std::vector<float>& scores, int maxDetections,
                        std::vector<int>& selected) {
        m_keep.clear();
        for (int i = 0; i < int(scores.size()); ++i)
            if (scores[size_t(i)] >= m_params.scoreThreshold) m_keep.push_back(i);
        std::stable_sort(m_keep.begin(), m_keep.end(),
                         [&](int i, int j) { return scores[size_t(i)] > scores[size_t(j)]; });
        selected.clear();
        const size_t kept = m_keep.size();
        m_active.assign(kept, 1);
        size_t active = kept;
        for (size_t i = 0; i < kept; ++i) {
            if (active == 0 || selected.size() >= size_t(std::max(maxDetections, 0))) break;
            if (!m_active[i]) continue;
            selected.push_back(m_keep[i]);
            m_active[i] = 0;
            --active;
            const Corner& best = m_decoded[size_t(m_keep[i])];
            for (size_t j = i + 1; j < kept; ++j)
                if (m_active[j] && intersectionOverUnion(best, m_decoded[size_t(m_keep[j])]) >
                                       m_params.iouThreshold) {
                    m_active[j] = 0;
                    --active;
                }
        }
    }

    void writeDetection(KernelContext& ctx, int slot, int anchor, int cls, float score) {
        ctx.output(0).as<Corner>()[slot] = m_decoded[size_t(anchor)];
        ctx.output(1).as<float>()[slot] = float(cls);
        ctx.output(2).as<float>()[slot] = score;
    }

    // TFLite's NonMaxSuppressionMultiClassRegularHelper: NMS per class (detections_per_class
    // each); after each class the candidates so far are cut to the best max_detections.
    // Candidates are coded as anchor * columns + column, as TFLite does.
    Status regularNms(KernelContext& ctx, const float* scores) {
        const int n = m_boxes, cols = m_classesWithBackground, maxDet = m_params.maxDetections;
        std::vector<float> classScores(static_cast<size_t>(n));
        std::vector<int> candidates(static_cast<size_t>(n + maxDet)),
            sorted(static_cast<size_t>(n + maxDet)), selected;
        std::vector<float> candidateScores(static_cast<size_t>(n + maxDet)),
            sortedScores(static_cast<size_t>(maxDet));
        int count = 0;
        for (int c = 0; c < m_params.numClasses; ++c) {
            for (int r = 0; r < n; ++r)
                classScores[size_t(r)] = scores[int64_t(r) * cols + c + m_labelOffset];
            singleClassNms(classScores, m_params.detectionsPerClass, selected);
            int total = count;
            for (int s : selected) {
                candidates[size_t(total)] = s * cols + c + m_labelOffset;
                candidateScores[size_t(total)] = classScores[size_t(s)];
                ++total;
            }
            const int keep = std::min(total, maxDet);
            if (keep > 0)
                decreasingPartialArgSort(candidateScores.data(), total, keep, sorted.data());
            for (int r = 0; r < keep; ++r) {
                const int from = sorted[size_t(r)];
                sorted[size_t(r)] = candidates[size_t(from)];
                sortedScores[size_t(r)] = candidateScores[size_t(from)];
            }
            for (int r = 0; r < keep; ++r) {
                candidates[size_t(r)] = sorted[size_t(r)];
                candidateScores[size_t(r)] = sortedScores[size_t(r)];
            }
            count = keep;
        }
        for (int slot = 0; slot < count; ++slot) {
            const int anchor = candidates[size_t(slot)] / cols;
            writeDetection(ctx, slot, anchor,
                           candidates[size_t(slot)] - anchor * cols - m_labelOffset,
                           candidateScores[size_t(slot)]);
        }
        ctx.output(3).as<float>()[0] = float(count);
        return {};
    }

    // TFLite's NonMaxSuppressionMultiClassFastHelper: each anchor's classes sorted by score
    // (the best max_classes_per_detection), one NMS over each anchor's best score, then every
    // selected anchor gives max_classes_per_detection slots.
    Status fastNms(KernelContext& ctx, const float* scores) {
        const int n = m_boxes, cols = m_classesWithBackground, classes = m_params.numClasses;
        const int perAnchor = std::min(m_params.maxClassesPerDetection, classes);
        std::vector<float> maxScores(static_cast<size_t>(n));
        std::vector<int> classOrder(size_t(n) * size_t(classes)), selected;
        for (int r = 0; r < n; ++r) {
            const float* row = scores + int64_t(r) * cols + m_labelOffset;
            int* order = classOrder.data() + int64_t(r) * classes;
            decreasingPartialArgSort(row, classes, perAnchor, order);
            maxScores[size_t(r)] = row[order[0]];
        }
        singleClassNms(maxScores, m_params.maxDetections, selected);
        int slotBase = 0;
        for (int anchor : selected) {
            const float* row = scores + int64_t(anchor) * cols + m_labelOffset;
            const int* order = classOrder.data() + int64_t(anchor) * classes;
            for (int k = 0; k < perAnchor; ++k)
                writeDetection(ctx, slotBase + k, anchor, order[k], row[order[k]]);
            slotBase += m_params.maxClassesPerDetection;
        }
        ctx.output(3).as<float>()[0] = float(selected.size());
        return {};
    }

    Params m_params;
    int32_t m_boxes = 0, m_encodingLength = 0, m_classesWithBackground = 0, m_labelOffset = 0,
            m_detections = 0;
    std::vector<Corner> m_decoded;
    std::vector<float> m_scores;
    std::vector<int> m_keep;
    std::vector<uint8_t> m_active;
};

} // namespace

void registerDetectionPostProcess(KernelRegistry& r) {
    r.addCustom("TFLite_Detection_PostProcess", factoryOf<DetectionPostProcess>());
}

} // namespace ql::rt::custom
