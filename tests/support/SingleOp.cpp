#include "SingleOp.h"

#include "TestModels.h"
#include "io/MappedFile.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ql::test {
namespace {

Result<std::unique_ptr<rt::Interpreter>> build(const Model& model, rt::RunOptions options) {
    auto bytes = serializeModel(model);
    if (!bytes) return makeError("serialize: " + bytes.message());
    auto read = readModel(MappedFile::fromBytes(std::move(bytes.value())), "single-op model");
    if (!read) return makeError("read: " + read.message());
    rt::InterpreterOptions opts;
    opts.run = options;
    return rt::Interpreter::create(read.value(), opts);
}

} // namespace

OpRun runModel(const Model& model, const std::vector<std::vector<uint8_t>>& inputs, rt::RunOptions options, int invocations) {
    OpRun run;
    auto interp = build(model, options);
    if (!interp) {
        run.error = interp.message();
        return run;
    }
    rt::Interpreter& it = *interp.value();
    for (size_t i = 0; i < inputs.size(); ++i)
        if (Status s = it.setInput(i, it.input(i).type, inputs[i]); !s) {
            run.error = s.message();
            return run;
        }
    for (int n = 0; n < invocations; ++n)
        if (Status s = it.invoke(); !s) {
            run.error = s.message();
            return run;
        }
    for (size_t i = 0; i < it.outputCount(); ++i) {
        const rt::RtTensor& t = it.output(i);
        run.outputs.emplace_back(t.data, t.data + t.bytes);
        run.shapes.push_back(t.shape);
    }
    return run;
}

NpyArray readNpy(const std::string& path) {
    NpyArray a;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return a;
    std::vector<uint8_t> bytes;
    uint8_t buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes.insert(bytes.end(), buf, buf + n);
    std::fclose(f);
    if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) return a;
    const int major = bytes[6];
    size_t headerLen = 0, offset = 0;
    if (major == 1) {
        headerLen = size_t(bytes[8]) | size_t(bytes[9]) << 8;
        offset = 10;
    } else {
        if (bytes.size() < 12) return a;
        headerLen = size_t(bytes[8]) | size_t(bytes[9]) << 8 | size_t(bytes[10]) << 16 | size_t(bytes[11]) << 24;
        offset = 12;
    }
    if (offset + headerLen > bytes.size()) return a;
    const std::string header(reinterpret_cast<const char*>(bytes.data() + offset), headerLen);
    auto field = [&](const std::string& key) {
        const size_t k = header.find("'" + key + "'");
        return k == std::string::npos ? std::string::npos : header.find(':', k) + 1;
    };
    size_t d = field("descr");
    if (d == std::string::npos) return a;
    d = header.find('\'', d) + 1;
    const std::string descr = header.substr(d, header.find('\'', d) - d);
    size_t s = field("shape");
    if (s == std::string::npos || header.find("'fortran_order': True") != std::string::npos) return a;
    s = header.find('(', s) + 1;
    const std::string dims = header.substr(s, header.find(')', s) - s);
    for (size_t p = 0; p < dims.size();) {
        while (p < dims.size() && (dims[p] == ' ' || dims[p] == ',')) ++p;
        if (p >= dims.size()) break;
        a.shape.push_back(std::stoi(dims.substr(p)));
        while (p < dims.size() && dims[p] != ',') ++p;
    }
    a.data.assign(bytes.begin() + long(offset + headerLen), bytes.end());
    a.dtype = descr;
    return a;
}

GoldenComparison compareWithGoldens(const std::string& modelPath, const std::string& dir, int invocations, rt::RunOptions options) {
    GoldenComparison cmp;
    auto model = readModelFile(modelPath);
    if (!model) {
        cmp.error = model.message();
        return cmp;
    }
    std::vector<std::vector<uint8_t>> inputs;
    const size_t inputCount = model.value()->subgraphs[0].inputs.size();
    for (size_t i = 0; i < inputCount; ++i) {
        NpyArray a = readNpy(dir + "/input_" + std::to_string(i) + ".npy");
        if (a.dtype.empty()) {
            cmp.error = "missing " + dir + "/input_" + std::to_string(i) + ".npy";
            return cmp;
        }
        inputs.push_back(std::move(a.data));
    }
    OpRun run = runModel(*model.value(), inputs, options, invocations);
    if (!run.ok()) {
        cmp.error = run.error;
        return cmp;
    }
    for (size_t o = 0; o < run.outputs.size(); ++o) {
        NpyArray g = readNpy(dir + "/output_" + std::to_string(o) + ".npy");
        if (g.dtype.empty() || g.data.size() != run.outputs[o].size()) {
            cmp.error = "output " + std::to_string(o) + ": golden missing or of another size";
            return cmp;
        }
        auto compare = [&](auto tag) {
            using T = decltype(tag);
            const std::vector<T> ours = run.output<T>(o), ref = g.as<T>();
            for (size_t i = 0; i < ours.size(); ++i) {
                const double d = std::abs(double(ours[i]) - double(ref[i]));
                cmp.maxAbsDiff = std::max(cmp.maxAbsDiff, d);
                cmp.maxAbsRef = std::max(cmp.maxAbsRef, std::abs(double(ref[i])));
                if (d != 0) ++cmp.differing;
                if (d > 1) ++cmp.beyondOneLsb;
            }
            cmp.elements += ours.size();
        };
        if (g.dtype == "<f4") {
            cmp.isFloat = true;
            compare(float{});
        } else if (g.dtype == "|i1") compare(int8_t{});
        else if (g.dtype == "|u1") compare(uint8_t{});
        else if (g.dtype == "<i2") compare(int16_t{});
        else if (g.dtype == "<i4") compare(int32_t{});
        else if (g.dtype == "<i8") compare(int64_t{});
        else {
            cmp.error = "unsupported golden dtype " + g.dtype;
            return cmp;
        }
    }
    return cmp;
}

std::string prepareError(const Model& model) {
    auto interp = build(model, {});
    return interp ? std::string() : interp.message();
}

} // namespace ql::test
