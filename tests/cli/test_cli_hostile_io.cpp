// quantlab-cli with hostile data and interrupted writes, run as a child process whose exit,
// time and peak memory (wait4) are measured: a 2 GiB .npz entry used for 4 samples, SIGTERM
// and SIGINT while a run writes thousands of files, a dead run's temporary file, and a model
// of 100,000 tensors quantized in memory proportional to it.
#include "CliTest.h"
#include "HostileData.h"
#include "TestModels.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace ql;
using namespace ql::test;

namespace {

using Clock = std::chrono::steady_clock;

// quantlab-cli ARGS with stdout to /dev/null and stderr to `errFile`; `addressSpace` (bytes,
// 0: none) bounds the child's virtual memory so that a regression fails fast instead of
// swapping the machine.
pid_t spawnCli(const std::vector<std::string>& args, const std::string& errFile,
               uint64_t addressSpace = 0) {
    std::vector<std::string> all{QUANTLAB_CLI};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int out = ::open("/dev/null", O_WRONLY);
        const int err = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(out, 1);
        ::dup2(err, 2);
        if (addressSpace) {
            const rlimit r{addressSpace, addressSpace};
            ::setrlimit(RLIMIT_AS, &r);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

struct ChildExit {
    int status = 0;
    double seconds = 0;
    long maxRssKiB = 0;
    bool timedOut = false;
};

ChildExit waitChild(pid_t pid, double timeoutSeconds, Clock::time_point start = Clock::now()) {
    ChildExit e;
    for (;;) {
        rusage ru{};
        const pid_t r = ::wait4(pid, &e.status, WNOHANG, &ru);
        e.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (r == pid) {
            e.maxRssKiB = ru.ru_maxrss;
            return e;
        }
        if (e.seconds > timeoutSeconds) {
            ::kill(pid, SIGKILL);
            ::wait4(pid, &e.status, 0, &ru);
            e.timedOut = true;
            return e;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (const dirent* e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
                out.push_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

bool hasTemporary(const std::string& dir) {
    for (const std::string& e : entries(dir))
        if (e.find(".tmp-") != std::string::npos) return true;
    return false;
}

// input [1, width] -> RELU -> RELU -> ... (`tensors` tensors in all), every tensor float32.
std::string writeReluChain(const std::string& path, int tensors, int width) {
    ModelBuilder b;
    TensorIndex x = b.addTensor("input", TensorType::FLOAT32, {1, width});
    b.setInputs({x});
    for (int i = 1; i < tensors; ++i) {
        const TensorIndex y = b.addTensor("r" + std::to_string(i), TensorType::FLOAT32, {1, width});
        b.addOperator(BuiltinOp::RELU, {x}, {y});
        x = y;
    }
    b.setOutputs({x});
    REQUIRE(writeModelFile(b.build(), path));
    return path;
}

} // namespace

TEST_CASE("cli hostile io: a 2 GiB .npz entry or IDX file is read only as far as --max-samples 4",
          "[cli][hostile][npz]") {
    TempDir dir;
    const std::string model = dir.file("fc.tflite");
    REQUIRE(writeModelFile(makeFloatFullyConnected(), model));
    std::string data;
    SECTION(".npz, one stored entry") {
        const std::vector<float> head{0.5f, -1, 2,    0.25f, 1, 1, -1, 0,
                                      3,    -2, 0.5f, 1,     0, 0, 1,  -0.5f};
        data = writeSparseNpz(dir.file("big.npz"), uint64_t{1} << 31, 4, head);
    }
    SECTION("plain IDX") {
        // uint8 [2^29, 4]: 16 bytes of pixels, then a hole.
        data = dir.file("big-idx2-ubyte");
        std::vector<uint8_t> head{0, 0, 0x08, 2, 0x20, 0, 0, 0, 0, 0, 0, 4};
        for (int i = 0; i < 16; ++i)
            head.push_back(uint8_t(i * 16));
        writeBytes(data, head);
        fs::resize_file(data, 12 + (uint64_t{1} << 31));
    }
    const pid_t pid =
        spawnCli({"--max-memory", "1G", "quantize", model, "--mode", "int8", "--calib", data,
                  "--max-samples", "4", "--out", dir.file("q.tflite")},
                 dir.file("err.txt"));
    const ChildExit e = waitChild(pid, 120);
    INFO(readText(dir.file("err.txt")));
    REQUIRE_FALSE(e.timedOut);
    REQUIRE(WIFEXITED(e.status));
    CHECK(WEXITSTATUS(e.status) == 0);
    // Reading the data whole would take 2 GiB (and an .npz be refused under --max-memory 1G).
    CHECK(e.maxRssKiB < 200 * 1024);
    CHECK(e.seconds < 60);
}

TEST_CASE("cli hostile io: SIGTERM and SIGINT during a run's writes stop it promptly and leave no "
          "temporary file",
          "[cli][hostile][signal]") {
    TempDir dir;
    const std::string model = writeReluChain(dir.file("chain.tflite"), 20000, 64);
    for (const int sig : {SIGTERM, SIGINT}) {
        const std::string name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
        DYNAMIC_SECTION(name) {
            const std::string out = dir.file("out-" + name);
            const pid_t pid =
                spawnCli({"run", model, "--random", "1", "--all-tensors", "--out", out},
                         dir.file("err.txt"));
            // Wait until the run is writing (a temporary file exists), then signal it.
            const auto start = Clock::now();
            bool writing = false;
            while (!writing && std::chrono::duration<double>(Clock::now() - start).count() < 60) {
                writing = hasTemporary(out);
                if (!writing) std::this_thread::sleep_for(std::chrono::microseconds(500));
            }
            REQUIRE(writing);
            const auto signalled = Clock::now();
            ::kill(pid, sig);
            const ChildExit e = waitChild(pid, 20, signalled);
            const std::string err = readText(dir.file("err.txt"));
            INFO(err);
            REQUIRE_FALSE(e.timedOut);
            CHECK(e.seconds < 5);
            // Ended by the signal (the shell's 128 + n), saying so on one line.
            REQUIRE(WIFSIGNALED(e.status));
            CHECK(WTERMSIG(e.status) == sig);
            CHECK(err == "quantlab-cli: stopped by " + name + "; unfinished outputs removed\n");
            CHECK_FALSE(hasTemporary(out));
            // Nothing was committed: no partial set of new files either.
            CHECK(entries(out).empty());
        }
    }
}

TEST_CASE("cli hostile io: a dead run's temporary file is removed by the next write to that path",
          "[cli][hostile][atomic]") {
    TempDir dir;
    const std::string model = dir.file("fc.tflite");
    REQUIRE(writeModelFile(makeFloatFullyConnected(), model));
    SECTION("quantize --out") {
        const std::string stale = dir.file(".out.tflite.tmp-Xk3q9Z");
        writeBytes(stale, std::vector<uint8_t>(4096, 7));
        const std::string other =
            dir.file(".other.tflite.tmp-Xk3q9Z"); // another target's: left alone
        writeBytes(other, {1});
        CHECK(cli("quantize " + shellQuote(model) + " --mode dynamic --out " +
                  shellQuote(dir.file("out.tflite"))) == 0);
        CHECK_FALSE(fs::exists(stale));
        CHECK(fs::exists(other));
        CHECK(fs::exists(dir.file("out.tflite")));
    }
    SECTION("run --out (the batch of outputs)") {
        fs::create_directories(dir.file("r"));
        const std::string stale = dir.file("r/.output_0.npy.tmp-AAAAAA");
        writeBytes(stale, {1, 2, 3});
        CHECK(cli("run " + shellQuote(model) + " --random 3 --out " + shellQuote(dir.file("r"))) ==
              0);
        CHECK_FALSE(fs::exists(stale));
        CHECK_FALSE(hasTemporary(dir.file("r")));
        CHECK(fs::exists(dir.file("r/output_0.npy")));
    }
}

TEST_CASE(
    "cli hostile io: a run of 10,000 outputs puts every file in place and leaves no temporary",
    "[cli][hostile][atomic]") {
    TempDir dir;
    const std::string model = writeReluChain(dir.file("chain.tflite"), 10000, 4);
    // (The one sync is counted by the core test of AtomicFileBatch; here: every file in place.)
    std::string out;
    const int rc = cli("run " + shellQuote(model) + " --random 1 --all-tensors --out " +
                           shellQuote(dir.file("r")),
                       &out);
    INFO(out);
    REQUIRE(rc == 0);
    CHECK(entries(dir.file("r")).size() ==
          10000 + 3); // tensor_<i>.npy, input_0.npy, output_0.npy, tensors.json
    CHECK_FALSE(hasTemporary(dir.file("r")));
}

TEST_CASE("cli hostile io: quantize of 100,000 tensors uses memory in proportion to the model",
          "[cli][hostile][scale]") {
    TempDir dir;
    const std::string model = writeReluChain(dir.file("chain.tflite"), 100000, 4);
    REQUIRE(fs::file_size(model) < (8u << 20));
    // 4 GiB of address space: a few hundred MiB are expected; per-tensor tables of 64 KiB
    // (6.4 GB for this model) fail fast instead of swapping.
    const pid_t pid = spawnCli({"quantize", model, "--mode", "int8", "--calib", "random:4:1",
                                "--out", dir.file("q.tflite")},
                               dir.file("err.txt"), uint64_t{4} << 30);
    const ChildExit e = waitChild(pid, 300);
    INFO(readText(dir.file("err.txt")));
    REQUIRE_FALSE(e.timedOut);
    REQUIRE(WIFEXITED(e.status));
    CHECK(WEXITSTATUS(e.status) == 0);
    CHECK(e.maxRssKiB < 1024 * 1024);
}
