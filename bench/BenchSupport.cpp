#include "BenchSupport.h"

#include "runtime/Interpreter.h"
#include "runtime/Profile.h"
#include "runtime/RandomInputs.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace bench {

std::optional<Timing> timeOurs(const std::shared_ptr<const ql::Model>& model, int threads,
                               int runs) {
    ql::rt::InterpreterOptions options;
    options.run.threads = threads;
    auto made = ql::rt::Interpreter::create(model, options);
    if (!made) {
        std::fprintf(stderr, "quantlab: %s\n", made.message().c_str());
        return std::nullopt;
    }
    ql::rt::Interpreter& it = *made.value();
    ql::rt::OracleRng rng(0);
    for (size_t i = 0; i < it.inputCount(); ++i) {
        ql::rt::RtTensor& in = it.input(i);
        if (!ql::rt::fillRandom({in.data, in.bytes}, in.type, in.isQuantized(), rng))
            return std::nullopt;
    }
    auto t = ql::rt::timeInvocations(it, runs);
    if (!t) {
        std::fprintf(stderr, "quantlab: %s\n", t.message().c_str());
        return std::nullopt;
    }
    return Timing{t->medianMs, t->minMs, it.arenaBytes()};
}

std::optional<double> timeOracle(const std::string& model, int repeat) {
    const char* env = std::getenv("QUANTLAB_ORACLE_JS");
    const std::string script = env ? env : QUANTLAB_ORACLE_JS;
    if (!std::filesystem::exists(script)) return std::nullopt;
    const std::string out =
        (std::filesystem::temp_directory_path() / ("bench-oracle-" + std::to_string(::getpid())))
            .string();
    const std::string cmd = "node '" + script + "' '" + model + "' --random 0 --out '" + out +
                            "' --repeat " + std::to_string(repeat) + " --variant simd --quiet 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return std::nullopt;
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
        text.append(buf, n);
    const int rc = ::pclose(p);
    std::error_code ec;
    std::filesystem::remove_all(out, ec);
    const auto at = text.find("timing: median ");
    if (rc != 0 || at == std::string::npos) {
        std::fprintf(stderr, "oracle failed:\n%s\n", text.substr(0, 800).c_str());
        return std::nullopt;
    }
    return std::atof(text.c_str() + at + std::strlen("timing: median "));
}

std::string loadAverage() {
    std::ifstream f("/proc/loadavg");
    double a = 0, b = 0, c = 0;
    f >> a >> b >> c;
    char tmp[64];
    std::snprintf(tmp, sizeof tmp, "load %.2f %.2f %.2f", a, b, c);
    return tmp;
}

std::string cpuModel() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    return "unknown CPU";
}

} // namespace bench
