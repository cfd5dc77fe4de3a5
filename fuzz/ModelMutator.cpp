#include "ModelMutator.h"

#include "tflite/ModelReader.h"
#include "tflite_generated.h"

#include <algorithm>
#include <cstring>
#include <flatbuffers/flatbuffers.h>
#include <limits>
#include <random>
#include <type_traits>

namespace ql::fuzz {
namespace {

using Rng = std::mt19937;

// Values that sit on the edges of the loader's and kernels' checks.
int64_t interesting(Rng& rng) {
    static constexpr int64_t kValues[] = {
        0,     1,           -1,      2,         3,         4,
        7,     8,           16,      255,       256,       65535,
        65536, 1 << 24,     1 << 30, INT32_MAX, INT32_MIN, int64_t(INT32_MAX) + 1,
        -2,    1 << 16 | 1, 46341};
    if (rng() % 4 == 0) return int64_t(rng() % 64) - 8;
    return kValues[rng() % std::size(kValues)];
}
int32_t interesting32(Rng& rng) {
    return static_cast<int32_t>(interesting(rng));
}

float interestingFloat(Rng& rng) {
    static constexpr float kValues[] = {0.0f,
                                        -0.0f,
                                        1.0f,
                                        -1.0f,
                                        1e-30f,
                                        1e30f,
                                        3.4e38f,
                                        std::numeric_limits<float>::infinity(),
                                        -std::numeric_limits<float>::infinity(),
                                        std::numeric_limits<float>::quiet_NaN(),
                                        std::numeric_limits<float>::denorm_min(),
                                        0.5f,
                                        255.0f};
    return kValues[rng() % std::size(kValues)];
}

template <class T> T* pick(std::vector<std::unique_ptr<T>>& v, Rng& rng) {
    return v.empty() ? nullptr : v[rng() % v.size()].get();
}

// Mutates one element of an int vector: change, insert, erase, or swap with another.
void mutateInts(std::vector<int32_t>& v, Rng& rng, int32_t limit) {
    const unsigned what = rng() % 6;
    if (v.empty() || what == 0) {
        v.insert(v.begin() + (v.empty() ? 0 : rng() % (v.size() + 1)),
                 rng() % 2 ? interesting32(rng) : int32_t(rng() % (limit + 1)));
        return;
    }
    const size_t i = rng() % v.size();
    switch (what) {
    case 1:
        v.erase(v.begin() + i);
        break;
    case 2:
        v[i] = interesting32(rng);
        break;
    case 3:
        v[i] = limit > 0 ? int32_t(rng() % limit) : 0;
        break; // another valid-looking index
    case 4:
        std::swap(v[i], v[rng() % v.size()]);
        break;
    default:
        v[i] = int32_t(uint32_t(v[i]) + (rng() % 2 ? 1u : 0xFFFFFFFFu)); // +-1, wrapping (no signed overflow)
        break;
    }
}

void mutateOptions(tflite::BuiltinOptionsUnion& u, Rng& rng, int32_t subgraphs) {
    auto f = [&](auto& field) {
        field = static_cast<std::remove_reference_t<decltype(field)>>(interesting(rng));
    };
    auto sg = [&](int32_t& field) {
        field = rng() % 3 ? int32_t(rng() % (subgraphs + 1)) : interesting32(rng);
    };
    if (auto* o = u.AsConv2DOptions()) {
        switch (rng() % 5) {
        case 0:
            f(o->stride_h);
            break;
        case 1:
            f(o->stride_w);
            break;
        case 2:
            f(o->dilation_h_factor);
            break;
        case 3:
            f(o->dilation_w_factor);
            break;
        default:
            o->padding = static_cast<tflite::Padding>(rng() % 3);
            break;
        }
    } else if (auto* d = u.AsDepthwiseConv2DOptions()) {
        switch (rng() % 4) {
        case 0:
            f(d->stride_h);
            break;
        case 1:
            f(d->dilation_w_factor);
            break;
        case 2:
            f(d->depth_multiplier);
            break;
        default:
            d->fused_activation_function = static_cast<tflite::ActivationFunctionType>(rng() % 7);
            break;
        }
    } else if (auto* p = u.AsPool2DOptions()) {
        switch (rng() % 4) {
        case 0:
            f(p->stride_h);
            break;
        case 1:
            f(p->filter_height);
            break;
        case 2:
            f(p->filter_width);
            break;
        default:
            f(p->stride_w);
            break;
        }
    } else if (auto* r = u.AsReshapeOptions()) {
        mutateInts(r->new_shape, rng, 64);
    } else if (auto* s = u.AsSpaceToDepthOptions()) {
        f(s->block_size);
    } else if (auto* s2 = u.AsDepthToSpaceOptions()) {
        f(s2->block_size);
    } else if (auto* ss = u.AsStridedSliceOptions()) {
        switch (rng() % 5) {
        case 0:
            ss->ellipsis_mask = int32_t(rng() % 16);
            break;
        case 1:
            ss->new_axis_mask = int32_t(rng() % 16);
            break;
        case 2:
            ss->shrink_axis_mask = int32_t(rng() % 16);
            break;
        case 3:
            ss->begin_mask = interesting32(rng);
            break;
        default:
            ss->offset = !ss->offset;
            break;
        }
    } else if (auto* sm = u.AsSoftmaxOptions()) {
        sm->beta = interestingFloat(rng);
    } else if (auto* c = u.AsConcatenationOptions()) {
        f(c->axis);
    } else if (auto* w = u.AsWhileOptions()) {
        rng() % 2 ? sg(w->cond_subgraph_index) : sg(w->body_subgraph_index);
    } else if (auto* i = u.AsIfOptions()) {
        rng() % 2 ? sg(i->then_subgraph_index) : sg(i->else_subgraph_index);
    } else if (auto* sp = u.AsSplitOptions()) {
        f(sp->num_splits);
    } else if (auto* g = u.AsGatherOptions()) {
        rng() % 2 ? f(g->axis) : f(g->batch_dims);
    } else if (auto* fc = u.AsFullyConnectedOptions()) {
        if (rng() % 2)
            fc->keep_num_dims = !fc->keep_num_dims;
        else
            fc->weights_format = static_cast<tflite::FullyConnectedOptionsWeightsFormat>(rng() % 3);
    } else if (auto* t = u.AsTransposeConvOptions()) {
        rng() % 2 ? f(t->stride_h) : f(t->stride_w);
    } else if (auto* rb = u.AsResizeBilinearOptions()) {
        rb->align_corners = rng() % 2;
        rb->half_pixel_centers = rng() % 2;
    } else {
        // An operator without options, or with a kind not listed: give it options of another
        // operator (the kernels must read their own type or refuse).
        switch (rng() % 4) {
        case 0:
            u.Set(tflite::ReshapeOptionsT{});
            break;
        case 1:
            u.Set(tflite::Conv2DOptionsT{});
            break;
        case 2:
            u.Set(tflite::SpaceToDepthOptionsT{});
            break;
        default:
            u.Reset();
            break;
        }
    }
}

void mutateQuantization(tflite::TensorT& t, Rng& rng) {
    if (!t.quantization) t.quantization = std::make_unique<tflite::QuantizationParametersT>();
    auto& q = *t.quantization;
    switch (rng() % 6) {
    case 0:
        q.scale.push_back(interestingFloat(rng));
        break;
    case 1:
        if (!q.scale.empty()) q.scale[rng() % q.scale.size()] = interestingFloat(rng);
        break;
    case 2:
        q.zero_point.push_back(interesting(rng));
        break;
    case 3:
        if (!q.zero_point.empty())
            q.zero_point.pop_back();
        else
            q.scale.clear();
        break;
    case 4:
        q.quantized_dimension = interesting32(rng);
        break;
    default: // per-channel: one scale and zero point per element of some dimension
        if (!t.shape.empty()) {
            const size_t d = rng() % t.shape.size();
            const size_t n = std::clamp<int64_t>(t.shape[d], 1, 64);
            q.scale.assign(n, 0.05f);
            q.zero_point.assign(rng() % 2 ? n : 1, 0);
            q.quantized_dimension = int32_t(d);
        }
        break;
    }
}

void mutateBuffer(tflite::BufferT& b, Rng& rng) {
    switch (rng() % 5) {
    case 0:
        b.data.resize(rng() % 2 ? b.data.size() / 2 : b.data.size() + 1 + rng() % 16);
        break;
    case 1:
        b.data.clear();
        break;
    case 2:
        if (!b.data.empty()) b.data[rng() % b.data.size()] ^= uint8_t(1u << (rng() % 8));
        break;
    case 3: // write an interesting int32 or float into the data (indices, shapes, paddings)
        if (b.data.size() >= 4) {
            const size_t at = (rng() % (b.data.size() / 4)) * 4;
            if (rng() % 2) {
                const int32_t v = interesting32(rng);
                std::memcpy(b.data.data() + at, &v, 4);
            } else {
                const float v = interestingFloat(rng);
                std::memcpy(b.data.data() + at, &v, 4);
            }
        }
        break;
    default: // the 2 GB layout: data after the flatbuffer at offset/size
        b.offset = rng() % 2 ? uint64_t(interesting(rng)) : rng() % 4096;
        b.size = rng() % 2 ? uint64_t(interesting(rng)) : rng() % 4096;
        break;
    }
}

void mutateSparsity(tflite::TensorT& t, Rng& rng) {
    if (!t.sparsity) {
        t.sparsity = std::make_unique<tflite::SparsityParametersT>();
        for (size_t d = 0; d < t.shape.size(); ++d) {
            t.sparsity->traversal_order.push_back(int32_t(d));
            auto m = std::make_unique<tflite::DimensionMetadataT>();
            m->format = tflite::DimensionType::DENSE;
            m->dense_size = t.shape[d];
            t.sparsity->dim_metadata.push_back(std::move(m));
        }
        return;
    }
    auto& sp = *t.sparsity;
    if (sp.dim_metadata.empty() || rng() % 4 == 0) {
        mutateInts(rng() % 2 ? sp.traversal_order : sp.block_map, rng, 4);
        return;
    }
    auto& m = *sp.dim_metadata[rng() % sp.dim_metadata.size()];
    switch (rng() % 3) {
    case 0:
        m.dense_size = interesting32(rng);
        break;
    case 1:
        m.format = m.format == tflite::DimensionType::DENSE ? tflite::DimensionType::SPARSE_CSR
                                                            : tflite::DimensionType::DENSE;
        break;
    default: {
        tflite::Int32VectorT v;
        for (int i = 0, n = int(rng() % 5); i < n; ++i)
            v.values.push_back(rng() % 2 ? int32_t(rng() % 8) : interesting32(rng));
        if (rng() % 2)
            m.array_segments.Set(std::move(v));
        else
            m.array_indices.Set(std::move(v));
        break;
    }
    }
}

void mutate(tflite::ModelT& model, Rng& rng) {
    const int32_t nsg = int32_t(model.subgraphs.size());
    tflite::SubGraphT* sg = pick(model.subgraphs, rng);
    if (!sg) return;
    const int32_t nt = int32_t(sg->tensors.size());
    tflite::TensorT* t = pick(sg->tensors, rng);
    tflite::OperatorT* op = pick(sg->operators, rng);
    switch (rng() % 16) {
    case 0:
        if (t) mutateInts(t->shape, rng, 8);
        break;
    case 1:
        if (t)
            t->buffer = rng() % 2 ? uint32_t(rng() % (model.buffers.size() + 1))
                                  : uint32_t(interesting(rng));
        break;
    case 2:
        if (t) t->type = static_cast<tflite::TensorType>(rng() % 18);
        break;
    case 3:
        if (op) mutateInts(op->inputs, rng, nt);
        break;
    case 4:
        if (op) mutateInts(op->outputs, rng, nt);
        break;
    case 5:
        if (op) mutateOptions(op->builtin_options, rng, nsg);
        break;
    case 6:
        if (t) mutateQuantization(*t, rng);
        break;
    case 7:
        if (auto* b = pick(model.buffers, rng)) mutateBuffer(*b, rng);
        break;
    case 8:
        mutateInts(rng() % 2 ? sg->inputs : sg->outputs, rng, nt);
        break;
    case 9: // operator order (cycles, reads before writes)
        if (sg->operators.size() > 1)
            std::swap(sg->operators[rng() % sg->operators.size()],
                      sg->operators[rng() % sg->operators.size()]);
        break;
    case 10:
        if (op)
            op->opcode_index = rng() % 2 ? uint32_t(rng() % (model.operator_codes.size() + 1))
                                         : uint32_t(interesting(rng));
        break;
    case 11:
        if (auto* c = pick(model.operator_codes, rng)) {
            const auto code = static_cast<tflite::BuiltinOperator>(rng() % 210);
            c->builtin_code = code;
            c->deprecated_builtin_code = int8_t(std::min<int>(int(code), 127));
            if (rng() % 4 == 0) c->version = interesting32(rng);
        }
        break;
    case 12:
        if (t) mutateSparsity(*t, rng);
        break;
    case 13:
        if (t) t->is_variable = !t->is_variable;
        break;
    case 14: // a tensor that is its own operator's input and output
        if (op && !op->inputs.empty() && !op->outputs.empty())
            op->outputs[rng() % op->outputs.size()] = op->inputs[rng() % op->inputs.size()];
        break;
    default: // duplicate an operator (two producers) or a subgraph (control flow targets)
        if (op && rng() % 2) {
            auto copy = std::make_unique<tflite::OperatorT>(*op);
            sg->operators.insert(sg->operators.begin() + rng() % (sg->operators.size() + 1),
                                 std::move(copy));
        } else if (nsg < 8) {
            model.subgraphs.push_back(std::make_unique<tflite::SubGraphT>(*sg));
        }
        break;
    }
}

// A verified file may name a union's type and leave its table out (the field is optional): the
// object API then holds a typed union with a null value, which its copy constructor and Pack
// would dereference. Such a union becomes NONE, which is what the reader sees in that file.
void dropEmptyUnions(tflite::ModelT& model) {
    auto dropEmpty = [](auto& u) {
        if (u.type != decltype(u.type){} && !u.value) u.Reset();
    };
    for (auto& sg : model.subgraphs) {
        if (!sg) continue;
        for (auto& t : sg->tensors) {
            if (!t) continue;
            if (t->quantization) dropEmpty(t->quantization->details);
            if (t->sparsity)
                for (auto& dm : t->sparsity->dim_metadata)
                    if (dm) {
                        dropEmpty(dm->array_segments);
                        dropEmpty(dm->array_indices);
                    }
        }
        for (auto& op : sg->operators)
            if (op) {
                dropEmpty(op->builtin_options);
                dropEmpty(op->builtin_options_2);
            }
    }
}

} // namespace

size_t mutateModel(uint8_t* data, size_t size, size_t maxSize, unsigned int seed) {
    flatbuffers::Verifier verifier(data, size, 64, 1000000);
    if (size < 8 || !tflite::ModelBufferHasIdentifier(data) || !tflite::VerifyModelBuffer(verifier))
        return 0;
    // Misaligned 64-bit vectors pass the Verifier but may not be unpacked (the reader refuses them).
    if (!ql::misalignedWideVector(data).empty()) return 0;
    std::unique_ptr<tflite::ModelT> model(tflite::GetModel(data)->UnPack());
    Rng rng(seed);
    dropEmptyUnions(*model);
    for (unsigned n = 1 + rng() % 3; n > 0; --n) {
        mutate(*model, rng);
        dropEmptyUnions(*model);
    }
    flatbuffers::FlatBufferBuilder fbb;
    tflite::FinishModelBuffer(fbb, tflite::Model::Pack(fbb, model.get()));
    if (fbb.GetSize() > maxSize) return 0;
    std::memcpy(data, fbb.GetBufferPointer(), fbb.GetSize());
    return fbb.GetSize();
}

} // namespace ql::fuzz
