// quantlab-cli inspect MODEL [--json] [--health [--data SRC] [--samples N]]
#include "CliCommon.h"
#include "Commands.h"

#include "analysis/HealthCheck.h"
#include "data/DataSource.h"
#include "tflite/ModelJson.h"
#include "model/Blockwise.h"
#include "model/ModelStats.h"
#include "model/OptionsInfo.h"
#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace ql::cli {
namespace {

std::string humanBytes(uint64_t b) {
    char tmp[32];
    if (b >= (uint64_t(1) << 20)) std::snprintf(tmp, sizeof tmp, "%.2f MiB", double(b) / double(1 << 20));
    else if (b >= 1024) std::snprintf(tmp, sizeof tmp, "%.1f KiB", double(b) / 1024.0);
    else std::snprintf(tmp, sizeof tmp, "%llu B", static_cast<unsigned long long>(b));
    return tmp;
}

std::string humanCount(uint64_t n) {
    char tmp[32];
    if (n >= 1'000'000'000) std::snprintf(tmp, sizeof tmp, "%.2f G", double(n) / 1e9);
    else if (n >= 1'000'000) std::snprintf(tmp, sizeof tmp, "%.2f M", double(n) / 1e6);
    else if (n >= 1'000) std::snprintf(tmp, sizeof tmp, "%.1f k", double(n) / 1e3);
    else std::snprintf(tmp, sizeof tmp, "%llu", static_cast<unsigned long long>(n));
    return tmp;
}

// A plain text table: columns padded to their widest cell.
class Table {
public:
    explicit Table(std::vector<std::string> header) { m_rows.push_back(std::move(header)); }
    void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
    void print(std::ostream& os, const std::string& indent = "  ") const {
        std::vector<size_t> w;
        for (const auto& r : m_rows)
            for (size_t c = 0; c < r.size(); ++c) {
                if (w.size() <= c) w.push_back(0);
                w[c] = std::max(w[c], r[c].size());
            }
        for (size_t i = 0; i < m_rows.size(); ++i) {
            std::string line = indent;
            for (size_t c = 0; c < m_rows[i].size(); ++c) {
                line += m_rows[i][c];
                if (c + 1 < m_rows[i].size()) line += std::string(w[c] - m_rows[i][c].size() + 2, ' ');
            }
            os << line << "\n";
            if (i == 0) {
                size_t total = 0;
                for (size_t c = 0; c < w.size(); ++c) total += w[c] + (c + 1 < w.size() ? 2 : 0);
                os << indent << std::string(total, '-') << "\n";
            }
        }
    }

private:
    std::vector<std::vector<std::string>> m_rows;
};

void printTensors(std::ostream& os, const Subgraph& sg, const std::vector<TensorIndex>& list) {
    Table t({"#", "tensor", "name", "shape", "dtype", "quantization"});
    for (size_t i = 0; i < list.size(); ++i) {
        const Tensor& x = sg.tensor(list[i]);
        const std::string q = quantSummary(x.quant);
        t.add({std::to_string(i), std::to_string(list[i].value), x.name, shapeString(x.shape), std::string(typeName(x.type)),
               q.empty() ? "-" : q});
    }
    t.print(os);
}

// Tensors of the sub-byte and float8 types and blockwise-quantized tensors, with their
// scheme: block size, blocks per row and the range of the block scales.
void printLowBitTensors(std::ostream& os, const Model& m) {
    Table t({"subgraph", "tensor", "name", "shape", "dtype", "quantization", "block scales"});
    bool any = false;
    for (size_t si = 0; si < m.subgraphs.size(); ++si) {
        const Subgraph& sg = m.subgraphs[si];
        for (size_t ti = 0; ti < sg.tensors.size(); ++ti) {
            const Tensor& x = sg.tensors[ti];
            if (!subByteBits(x.type) && !isFloat8Type(x.type) && !x.quant.blockwise) continue;
            any = true;
            std::string blocks = "-";
            if (const auto table = blockScaleTable(m, sg, x); table && !table->scales.empty()) {
                const auto [lo, hi] = std::minmax_element(table->scales.begin(), table->scales.end());
                char tmp[160];
                std::snprintf(tmp, sizeof tmp, "%zu x %zu %s, %.4g..%.4g", table->rows, table->blocksPerRow,
                              std::string(typeName(table->scaleType)).c_str(), *lo, *hi);
                blocks = tmp;
            }
            const std::string q = quantSummary(x.quant);
            t.add({std::to_string(si), std::to_string(ti), x.name, shapeString(x.shape), std::string(typeName(x.type)),
                   q.empty() ? "-" : q, blocks});
        }
    }
    if (!any) return;
    os << "\nLow-bit and blockwise tensors\n";
    t.print(os);
}

// Every custom operator with its decoded flexbuffer options (model/CustomOptions.h).
void printCustomOperators(std::ostream& os, const Model& m) {
    bool any = false;
    for (size_t si = 0; si < m.subgraphs.size(); ++si)
        for (size_t oi = 0; oi < m.subgraphs[si].operators.size(); ++oi) {
            const Operator& op = m.subgraphs[si].operators[oi];
            if (op.op != BuiltinOp::CUSTOM) continue;
            if (!any) os << "\nCustom operators\n";
            any = true;
            os << "  " << (m.subgraphs.size() > 1 ? "subgraph " + std::to_string(si) + ", " : std::string()) << "operator " << oi
               << " '" << op.customCode << "'";
            const auto fields = describeOptions(op);
            if (fields.empty()) os << ": no options";
            for (size_t i = 0; i < fields.size(); ++i) os << (i ? ", " : ": ") << fields[i].name << "=" << fields[i].text;
            os << "\n";
        }
}

void printHuman(std::ostream& os, const Model& m) {
    const ModelStats s = computeStats(m);
    os << "Model        " << m.sourcePath << " (" << humanBytes(m.sourceBytes) << ", schema version " << m.version << ")\n";
    if (!m.description.empty()) os << "Description  " << m.description << "\n";
    os << "Contents     " << m.subgraphs.size() << " subgraph" << (m.subgraphs.size() == 1 ? "" : "s") << ", "
       << s.operatorCount << " operators, " << s.tensorCount << " tensors, " << humanCount(s.parameterCount)
       << " parameters (" << humanBytes(s.parameterBytes) << "), " << humanCount(s.macs) << " MACs\n";
    const auto rt = m.metadataBytes("min_runtime_version");
    if (!rt.empty())
        os << "Min runtime  " << std::string(rt.begin(), std::find(rt.begin(), rt.end(), uint8_t(0))) << "\n";
    if (!m.metadata.empty()) {
        os << "Metadata     ";
        for (size_t i = 0; i < m.metadata.size(); ++i)
            os << (i ? ", " : "") << m.metadata[i].name << " (" << humanBytes(m.buffer(m.metadata[i].buffer).size) << ")";
        os << "\n";
    }
    if (auto conv = decodeConversionMetadata(m)) {
        os << "Converter    ";
        if (conv->ok()) {
            const ConversionInfo& c = conv->value();
            os << "TensorFlow " << (c.tensorflowVersion.empty() ? "?" : c.tensorflowVersion) << ", API v" << c.apiVersion
               << ", from " << c.modelType;
            for (const std::string& mode : c.optimizationModes) os << ", " << mode;
            os << "\n";
        } else {
            os << conv->message() << "\n";
        }
    }
    if (auto meta = decodeModelMetadata(m)) {
        os << "TFLite meta  ";
        if (meta->ok()) {
            const ModelMetadataInfo& x = meta->value();
            os << (x.name.empty() ? "(unnamed)" : x.name) << (x.version.empty() ? "" : " v" + x.version);
            if (!x.author.empty()) os << " by " << x.author;
            if (!x.description.empty()) os << ": " << x.description;
            os << "\n";
            for (const TensorMetadataInfo& t : x.inputs)
                if (!t.mean.empty()) {
                    os << "             input '" << t.name << "' normalised as (x - " << t.mean.front() << ") / "
                       << (t.std.empty() ? 1.0f : t.std.front()) << "\n";
                }
        } else {
            os << meta->message() << "\n";
        }
    }
    for (const SignatureDef& sig : m.signatures) {
        os << "Signature    '" << sig.key << "' (subgraph " << sig.subgraph.value << "): ";
        for (size_t i = 0; i < sig.inputs.size(); ++i) os << (i ? ", " : "") << sig.inputs[i].name;
        os << " -> ";
        for (size_t i = 0; i < sig.outputs.size(); ++i) os << (i ? ", " : "") << sig.outputs[i].name;
        os << "\n";
    }
    for (size_t si = 0; si < m.subgraphs.size(); ++si) {
        const Subgraph& sg = m.subgraphs[si];
        os << "\nSubgraph " << si << (sg.name.empty() ? "" : " '" + sg.name + "'") << ": " << sg.operators.size()
           << " operators, " << sg.tensors.size() << " tensors\n";
        os << " Inputs\n";
        printTensors(os, sg, sg.inputs);
        os << " Outputs\n";
        printTensors(os, sg, sg.outputs);
    }
    os << "\nOperators by type\n";
    std::vector<std::pair<std::string, int>> ops(s.operatorsByType.begin(), s.operatorsByType.end());
    std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    Table ot({"operator", "count"});
    for (const auto& [name, count] : ops) ot.add({name, std::to_string(count)});
    ot.print(os);
    printCustomOperators(os, m);
    printLowBitTensors(os, m);
    os << "\nParameters by dtype\n";
    Table pt({"dtype", "elements", "bytes"});
    for (const auto& [name, d] : s.constantsByType) pt.add({name, humanCount(d.elements), humanBytes(d.bytes)});
    pt.print(os);
    if (s.macs > 0) {
        os << "\nMultiply-accumulates\n";
        std::map<std::string, uint64_t> byType;
        for (const Subgraph& sg : m.subgraphs)
            for (const Operator& op : sg.operators) byType[op.typeName()] += operatorMacs(sg, op);
        Table mt({"operator", "MACs", "share"});
        for (const auto& [name, macs] : byType) {
            if (macs == 0) continue;
            char share[16];
            std::snprintf(share, sizeof share, "%.1f%%", 100.0 * double(macs) / double(s.macs));
            mt.add({name, humanCount(macs), share});
        }
        mt.print(os);
    }
    os << "\nDiagnostics\n";
    if (m.diagnostics.empty()) os << "  none\n";
    for (const Diagnostic& d : m.diagnostics)
        os << "  " << (d.severity == Severity::Error ? "error: " : d.severity == Severity::Warning ? "warning: " : "note: ")
           << d.message << "\n";
}

} // namespace

namespace {

// inspect MODEL --health [--data SRC] [--samples N] [--json]: the health checks of
// analysis/HealthCheck.h, one block per finding (severity, check, operator, tensor, figures, why).
int healthCommand(const Args& args, const std::string& path, std::shared_ptr<const Model> model) {
    analysis::HealthReport rep;
    if (args.has("--data")) {
        data::DataOptions opts;
        opts.maxSamples = size_t(args.integer("--samples"));
        auto source = data::openDataSource(args.value("--data"), data::ModelInputInfo::fromModel(*model), opts);
        if (!source) throw UsageError("--data: " + args.value("--data") + ": " + source.message());
        if ((*source)->size() == 0) throw UsageError("--data: " + args.value("--data") + ": no samples");
        auto r = analysis::checkHealthWithData(model, **source);
        if (!r) throw UsageError(path + ": " + r.message());
        rep = std::move(r.value());
    } else {
        rep = analysis::checkHealth(*model);
    }
    if (args.flag("--json")) {
        std::cout << analysis::healthToJson(rep, path);
        warnIfRandomData("--data", args.value("--data")); // on stderr, after the output
        return 0;
    }
    std::cout << "Health     " << path << ": " << rep.count(Severity::Error) << " errors, " << rep.count(Severity::Warning)
              << " warnings, " << rep.count(Severity::Info) << " notes (" << rep.operatorsChecked << " operators, "
              << rep.tensorsChecked << " quantized tensors checked"
              << (rep.samples ? ", saturation over " + std::to_string(rep.samples) + " samples" : std::string(", no --data: saturation not checked"))
              << ")\n";
    for (const analysis::HealthFinding& f : rep.findings) {
        std::string where = f.op.valid() ? "#" + std::to_string(f.op.value) + " " + f.opType : "graph input";
        if (f.tensor.valid()) where += ", tensor " + std::to_string(f.tensor.value) + " '" + f.tensorName + "'";
        std::string sev(analysis::severityName(f.severity));
        sev.resize(8, ' ');
        std::cout << "\n  " << sev << f.check << ": " << where << "\n           " << f.figures << "\n           why: " << f.why
                  << "\n";
    }
    if (rep.findings.empty()) std::cout << "  no findings\n";
    warnIfRandomData("--data", args.value("--data"));
    return 0;
}

int inspectCommand(const Args& args) {
    const std::string path = args.requirePositional(1, 0, "MODEL (the .tflite file to inspect)");
    if (!args.flag("--health") && (args.has("--data") || args.has("--samples")))
        throw UsageError("--data: only with --health");
    auto model = readModelFile(path);
    if (!model) throw UsageError(model.message());
    if (args.flag("--health")) return healthCommand(args, path, *model);
    if (args.flag("--json")) std::cout << modelToJson(**model);
    else printHuman(std::cout, **model);
    return 0;
}

const CommandRegistration registration({
    "inspect",
    "inspect MODEL [--json] [--health [--data SRC] [--samples N]]",
    "Summary, operators, tensors, quantization parameters, sizes and MACs of a model; with --health, its quantization "
    "health checks.",
    {{"MODEL", "the .tflite file to inspect"}},
    {flagOption("--json", "print the model (or, with --health, the findings) as JSON instead of tables"),
     flagOption("--health", "run the health checks (ranges, zero points, scales, saturation) and list the findings"),
     valueOption("--data", "SRC", "with --health: also measure saturation on these samples"),
     integerOption("--samples", "N", "with --health --data: use the first N samples", 0, 0, 1'000'000'000).defaultIs("0: all")},
    &inspectCommand,
    10});

} // namespace

} // namespace ql::cli
