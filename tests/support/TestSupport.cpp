#include "TestSupport.h"

#include "model/OptionsInfo.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sys/wait.h>

#ifndef QUANTLAB_SHARED_DIR
#define QUANTLAB_SHARED_DIR ""
#endif
#ifndef QUANTLAB_ORACLE_DIR
#define QUANTLAB_ORACLE_DIR ""
#endif
#ifndef QUANTLAB_LITERT_ORACLE_DIR
#define QUANTLAB_LITERT_ORACLE_DIR ""
#endif
#ifndef QUANTLAB_PHOTOS_DIR
#define QUANTLAB_PHOTOS_DIR ""
#endif

namespace ql::test {

std::optional<fs::path> sharedDir() {
    const char* env = std::getenv("QUANTLAB_SHARED_DIR");
    fs::path dir = env && *env ? fs::path(env) : fs::path(QUANTLAB_SHARED_DIR);
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir / "models", ec)) return std::nullopt;
    return dir;
}

std::optional<std::string> sharedModel(const std::string& name) {
    auto dir = sharedDir();
    if (!dir) return std::nullopt;
    const fs::path p = *dir / "models" / name;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return std::nullopt;
    return p.string();
}

std::vector<std::string> allSharedModels() {
    std::vector<std::string> out;
    auto dir = sharedDir();
    if (!dir) return out;
    for (const auto& e : fs::recursive_directory_iterator(*dir / "models"))
        if (e.is_regular_file() && e.path().extension() == ".tflite") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

// An installed oracle folder (oracle.js beside node_modules) named by the environment variable
// `envName`, else by the build's default; nullopt when absent or when node is missing.
static std::optional<std::string> installedOracle(const char* envName, const char* builtIn) {
    const char* env = std::getenv(envName);
    const fs::path dir = env && *env ? fs::path(env) : fs::path(builtIn);
    std::error_code ec;
    if (dir.empty() || !fs::is_regular_file(dir / "oracle.js", ec) || !fs::is_directory(dir / "node_modules", ec))
        return std::nullopt;
    if (runCommand("node --version") != 0) return std::nullopt;
    return (dir / "oracle.js").string();
}

std::optional<std::string> oracleScript() { return installedOracle("QUANTLAB_ORACLE_DIR", QUANTLAB_ORACLE_DIR); }

std::optional<std::string> litertOracleScript() {
    return installedOracle("QUANTLAB_LITERT_ORACLE_DIR", QUANTLAB_LITERT_ORACLE_DIR);
}

std::optional<fs::path> photosDir(const std::string& which) {
    const char* env = std::getenv("QUANTLAB_PHOTOS_DIR");
    const fs::path dir = fs::path(env && *env ? env : QUANTLAB_PHOTOS_DIR) / which;
    std::error_code ec;
    if (!fs::is_directory(dir, ec) || fs::is_empty(dir, ec)) return std::nullopt;
    return dir;
}

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

int runCommand(const std::string& commandLine, std::string* output) {
    const std::string cmd = commandLine + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf{};
    std::string text;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
    const int status = ::pclose(p);
    if (output) *output = std::move(text);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int runOracle(const std::vector<std::string>& args, std::string* output) {
    return runOracleScript(oracleScript(), args, output);
}

int runLitertOracle(const std::vector<std::string>& args, std::string* output) {
    return runOracleScript(litertOracleScript(), args, output);
}

int runOracleScript(const std::optional<std::string>& script, const std::vector<std::string>& args,
                    std::string* output) {
    if (!script) return -1;
    std::string cmd = "node " + shellQuote(*script);
    for (const auto& a : args) cmd += " " + shellQuote(a);
    return runCommand(cmd, output);
}

TempDir::TempDir() {
    std::random_device rd;
    const fs::path base = fs::temp_directory_path();
    for (int i = 0; i < 100; ++i) {
        fs::path p = base / ("quantlab-test-" + std::to_string(rd()));
        std::error_code ec;
        if (fs::create_directory(p, ec)) {
            m_path = p;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

std::vector<uint8_t> readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

namespace {

std::string optionsText(const Operator& op) {
    std::string s;
    for (const auto& f : describeOptions(op)) s += f.name + "=" + f.json + ";";
    return s;
}

} // namespace

std::string compareModels(const Model& a, const Model& b) {
    if (a.subgraphs.size() != b.subgraphs.size()) return "subgraph count differs";
    for (size_t s = 0; s < a.subgraphs.size(); ++s) {
        const Subgraph& x = a.subgraphs[s];
        const Subgraph& y = b.subgraphs[s];
        const std::string sg = "subgraph " + std::to_string(s) + ": ";
        if (x.name != y.name) return sg + "name differs";
        if (x.inputs != y.inputs || x.outputs != y.outputs) return sg + "inputs/outputs differ";
        if (x.tensors.size() != y.tensors.size()) return sg + "tensor count differs";
        for (size_t t = 0; t < x.tensors.size(); ++t) {
            const Tensor& p = x.tensors[t];
            const Tensor& q = y.tensors[t];
            const std::string who = sg + "tensor " + std::to_string(t) + " '" + p.name + "': ";
            if (p.name != q.name) return who + "name differs";
            if (p.type != q.type) return who + "type differs";
            if (p.shape != q.shape) return who + "shape differs";
            if (p.shapeSignature != q.shapeSignature) return who + "shape_signature differs";
            if (!(p.quant == q.quant)) return who + "quantization differs";
            if (p.isVariable != q.isVariable) return who + "is_variable differs";
            if (bool(p.sparsity) != bool(q.sparsity)) return who + "sparsity differs";
            const Buffer& ba = a.buffer(p.buffer);
            const Buffer& bb = b.buffer(q.buffer);
            if (ba.size != bb.size || !std::equal(ba.data, ba.data + ba.size, bb.data)) return who + "buffer bytes differ";
        }
        if (x.operators.size() != y.operators.size()) return sg + "operator count differs";
        for (size_t o = 0; o < x.operators.size(); ++o) {
            const Operator& p = x.operators[o];
            const Operator& q = y.operators[o];
            const std::string who = sg + "operator " + std::to_string(o) + " (" + p.typeName() + "): ";
            if (p.op != q.op || p.customCode != q.customCode || p.version != q.version) return who + "code or version differs";
            if (p.inputs != q.inputs || p.outputs != q.outputs || p.intermediates != q.intermediates) return who + "tensors differ";
            if (p.options.type != q.options.type || optionsText(p) != optionsText(q)) return who + "options differ";
            if (p.customOptions != q.customOptions) return who + "custom options differ";
        }
    }
    if (a.signatures.size() != b.signatures.size()) return "signature count differs";
    for (size_t i = 0; i < a.signatures.size(); ++i) {
        const auto& p = a.signatures[i];
        const auto& q = b.signatures[i];
        if (p.key != q.key || p.subgraph != q.subgraph || p.inputs.size() != q.inputs.size() || p.outputs.size() != q.outputs.size())
            return "signature " + p.key + " differs";
        for (size_t k = 0; k < p.inputs.size(); ++k)
            if (p.inputs[k].name != q.inputs[k].name || p.inputs[k].tensor != q.inputs[k].tensor) return "signature input differs";
    }
    if (a.metadata.size() != b.metadata.size()) return "metadata count differs";
    for (size_t i = 0; i < a.metadata.size(); ++i) {
        const auto x = a.metadataBytes(a.metadata[i].name);
        const auto y = b.metadataBytes(b.metadata[i].name);
        if (a.metadata[i].name != b.metadata[i].name || !std::equal(x.begin(), x.end(), y.begin(), y.end()))
            return "metadata '" + a.metadata[i].name + "' differs";
    }
    return {};
}

std::string compactJson(const std::string& pretty) {
    std::string out;
    for (size_t i = 0; i < pretty.size(); ++i) {
        if (pretty[i] == '\n') {
            while (i + 1 < pretty.size() && pretty[i + 1] == ' ') ++i;
            continue;
        }
        if (pretty[i] == ' ' && i > 1 && pretty[i - 1] == ':' && pretty[i - 2] == '"') continue;
        out += pretty[i];
    }
    return out;
}

} // namespace ql::test
