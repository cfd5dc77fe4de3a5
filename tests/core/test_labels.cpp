// Class labels (core/analysis/Labels.h): text files, the metadata entry QuantLab's exports use,
// and the zip archive TFLite Support appends to a .tflite (stored and deflated members).
#include "TestModels.h"
#include "TestSupport.h"

#include "analysis/Labels.h"
#include "model/ModelBuilder.h"
#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstring>
#include <string>

using namespace ql;
using namespace ql::analysis;

namespace {

void put16(std::vector<uint8_t>& b, uint32_t v) {
    b.push_back(uint8_t(v));
    b.push_back(uint8_t(v >> 8));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

std::vector<uint8_t> deflateRaw(const std::string& s) {
    std::vector<uint8_t> out(compressBound(uLong(s.size())) + 64);
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
    z.avail_in = uInt(s.size());
    z.next_out = out.data();
    z.avail_out = uInt(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

struct Member {
    std::string name, text;
    bool deflated = false;
};

// A minimal zip archive (offsets relative to its own start), as Python's zipfile appends it.
std::vector<uint8_t> makeZip(const std::vector<Member>& members) {
    std::vector<uint8_t> zip, dir;
    for (const auto& m : members) {
        const auto payload = m.deflated ? deflateRaw(m.text) : std::vector<uint8_t>(m.text.begin(), m.text.end());
        const uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(m.text.data()), uInt(m.text.size())));
        const uint32_t offset = uint32_t(zip.size());
        put32(zip, 0x04034b50);
        put16(zip, 20), put16(zip, 0), put16(zip, m.deflated ? 8 : 0), put16(zip, 0), put16(zip, 0);
        put32(zip, crc), put32(zip, uint32_t(payload.size())), put32(zip, uint32_t(m.text.size()));
        put16(zip, uint16_t(m.name.size())), put16(zip, 0);
        zip.insert(zip.end(), m.name.begin(), m.name.end());
        zip.insert(zip.end(), payload.begin(), payload.end());
        put32(dir, 0x02014b50);
        put16(dir, 20), put16(dir, 20), put16(dir, 0), put16(dir, m.deflated ? 8 : 0), put16(dir, 0), put16(dir, 0);
        put32(dir, crc), put32(dir, uint32_t(payload.size())), put32(dir, uint32_t(m.text.size()));
        put16(dir, uint16_t(m.name.size())), put16(dir, 0), put16(dir, 0), put16(dir, 0), put16(dir, 0);
        put32(dir, 0), put32(dir, offset);
        dir.insert(dir.end(), m.name.begin(), m.name.end());
    }
    const uint32_t dirOffset = uint32_t(zip.size());
    zip.insert(zip.end(), dir.begin(), dir.end());
    put32(zip, 0x06054b50);
    put16(zip, 0), put16(zip, 0), put16(zip, uint16_t(members.size())), put16(zip, uint16_t(members.size()));
    put32(zip, uint32_t(dir.size())), put32(zip, dirOffset), put16(zip, 0);
    return zip;
}

// The small CNN (output 0: 10 softmax scores) with TFLITE_METADATA naming `file` for output 0.
Model withLabelMetadata(const std::string& file) {
    Model m = test::makeSmallCnn();
    ModelMetadataInfo info;
    info.name = "cnn";
    info.inputs.resize(1);
    info.outputs.resize(1);
    info.outputs[0].name = "scores";
    info.outputs[0].associatedFiles = {file};
    m.metadata.push_back({"TFLITE_METADATA", m.addBuffer(encodeModelMetadata(info))});
    return m;
}

} // namespace

TEST_CASE("labels: one per line, CR LF and trailing empty lines dropped", "[labels]") {
    const std::string text = "cat\r\ndog\n\nbird\n\n\n";
    const auto labels = parseLabels(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    REQUIRE(labels.size() == 4);
    CHECK(labels[0] == "cat");
    CHECK(labels[1] == "dog");
    CHECK(labels[2].empty()); // an empty label keeps the indices of the ones after it
    CHECK(labels[3] == "bird");
    test::TempDir dir;
    CHECK_FALSE(readLabelsFile(dir.file("missing.txt")).ok());
    test::writeBytes(dir.file("empty.txt"), {'\n', '\n'});
    const auto empty = readLabelsFile(dir.file("empty.txt"));
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.message().find("no labels") != std::string::npos);
    test::writeBytes(dir.file("l.txt"), {'a', '\n', 'b'});
    REQUIRE(readLabelsFile(dir.file("l.txt")).ok());
    CHECK(readLabelsFile(dir.file("l.txt"))->size() == 2);
}

TEST_CASE("labels: zip members, stored and deflated, after other bytes", "[labels]") {
    std::vector<uint8_t> bytes(1000, 0x5a); // stands for the flatbuffer before the archive
    const auto zip = makeZip({{"readme.txt", "hello", false}, {"labels.txt", "zero\none\ntwo\n", true}, {"raw.txt", "x\ny", false}});
    bytes.insert(bytes.end(), zip.begin(), zip.end());
    const auto labels = zipMember(bytes, "labels.txt");
    REQUIRE(labels);
    CHECK(std::string(labels->begin(), labels->end()) == "zero\none\ntwo\n");
    const auto raw = zipMember(bytes, "raw.txt");
    REQUIRE(raw);
    CHECK(std::string(raw->begin(), raw->end()) == "x\ny");
    CHECK_FALSE(zipMember(bytes, "absent.txt"));
    CHECK_FALSE(zipMember(std::vector<uint8_t>(100, 0), "labels.txt")); // no archive
    // damaged: every truncation and a corrupted directory offset are refused, not crashed on
    for (size_t cut = 1; cut < zip.size(); cut += 7) {
        std::vector<uint8_t> t(bytes.begin(), bytes.end() - long(cut));
        (void)zipMember(t, "labels.txt");
    }
    auto bad = bytes;
    bad[bad.size() - 10] ^= 0x01; // directory size: the directory no longer starts at an entry
    CHECK_FALSE(zipMember(bad, "labels.txt"));
}

TEST_CASE("labels: from the model's metadata (entry or appended zip)", "[labels]") {
    test::TempDir dir;
    // QuantLab's own exports: the file as a metadata entry of the same name
    Model m = withLabelMetadata("labels.txt");
    const std::string text = "l0\nl1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n";
    m.metadata.push_back({"labels.txt", m.addBuffer(std::vector<uint8_t>(text.begin(), text.end()))});
    auto labels = outputLabels(m, 0);
    REQUIRE(labels.size() == 10);
    CHECK(labels[7] == "l7");
    CHECK(outputLabels(m, 1).empty());
    CHECK(outputLabels(test::makeSmallCnn(), 0).empty()); // no metadata

    // TFLite Support's writer: the files in a zip appended to the .tflite
    const std::string path = dir.file("zipped.tflite");
    REQUIRE(writeModelFile(withLabelMetadata("classes.txt"), path));
    auto bytes = test::readBytes(path);
    const auto zip = makeZip({{"classes.txt", "alpha\nbeta\n", true}});
    bytes.insert(bytes.end(), zip.begin(), zip.end());
    test::writeBytes(path, bytes);
    auto read = readModelFile(path);
    REQUIRE(read);
    labels = outputLabels(**read, 0);
    REQUIRE(labels.size() == 2);
    CHECK(labels[1] == "beta");
}
