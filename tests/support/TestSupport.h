#pragma once
// Helpers shared by the test binaries: where the real models and the TFLite oracle are, a
// temporary folder, running commands, comparing model graphs.

#include "model/Model.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ql::test {

namespace fs = std::filesystem;

// ../shared/models/NAME, or nullopt (and a note in the test log) when ../shared is absent.
std::optional<std::string> sharedModel(const std::string& name);
std::optional<fs::path> sharedDir();
// Every *.tflite under ../shared/models (recursively), sorted; empty when absent.
std::vector<std::string> allSharedModels();

// The oracle's oracle.js with node_modules installed (quickstart.sh installs it in build/oracle).
std::optional<std::string> oracleScript();
// Runs `node oracle.js ARGS`; returns the exit status and fills `output` with stdout+stderr.
int runOracle(const std::vector<std::string>& args, std::string* output = nullptr);
// The LiteRT 2025 oracle (same command line; int4 weights, newer operator versions), installed
// by quickstart.sh in build/litert-oracle; and how to run it.
std::optional<std::string> litertOracleScript();
int runLitertOracle(const std::vector<std::string>& args, std::string* output = nullptr);
// Runs a given oracle script (-1 when nullopt).
int runOracleScript(const std::optional<std::string>& script, const std::vector<std::string>& args,
                    std::string* output = nullptr);
// Real photos from scripts/fetch-photos.sh: which = "calib" or "eval"; nullopt when absent.
std::optional<fs::path> photosDir(const std::string& which);
// Runs a shell command line; returns its exit status and its stdout+stderr.
int runCommand(const std::string& commandLine, std::string* output = nullptr);
std::string shellQuote(const std::string& s);

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return m_path; }
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    fs::path m_path;
};

std::vector<uint8_t> readBytes(const std::string& path);
void writeBytes(const std::string& path, const std::vector<uint8_t>& bytes);

// Empty if the two graphs are equal (tensors, operators with options, buffers' bytes,
// signatures, metadata); otherwise the first difference.
std::string compareModels(const Model& a, const Model& b);

// JsonWriter's pretty output made compact for substring checks: no line breaks and their
// indentation, no space after a key ("\"k\": 1" -> "\"k\":1").
std::string compactJson(const std::string& pretty);

} // namespace ql::test
