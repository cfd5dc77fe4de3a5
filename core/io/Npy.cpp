#include "io/Npy.h"

#include "io/AtomicFile.h"
#include "io/MappedFile.h"

#include <cstring>

namespace ql {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

struct DescrEntry {
    TensorType type;
    const char* descr; // as numpy writes it
};
constexpr DescrEntry kDescrs[] = {
    {TensorType::FLOAT32, "<f4"}, {TensorType::INT8, "|i1"},   {TensorType::UINT8, "|u1"},
    {TensorType::INT16, "<i2"},   {TensorType::INT32, "<i4"},  {TensorType::UINT32, "<u4"},
    {TensorType::FLOAT64, "<f8"}, {TensorType::BOOL, "|b1"},   {TensorType::INT64, "<i8"},
    {TensorType::FLOAT16, "<f2"}, {TensorType::UINT16, "<u2"}, {TensorType::UINT64, "<u8"},
    {TensorType::COMPLEX64, "<c8"}, // RFFT2D outputs: numpy complex64, (real, imag) float32 pairs
};

// A small parser for the header's Python dict literal:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 224, 224, 3), }
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& what) : m_s(text), m_what(what) {}

    Status parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
        bool haveDescr = false, haveFortran = false, haveShape = false;
        skipSpace();
        if (!eat('{')) return fail("the header is not a dict");
        for (;;) {
            skipSpace();
            if (eat('}')) break;
            std::string key;
            if (Status s = string(key); !s) return s;
            skipSpace();
            if (!eat(':')) return fail("expected ':' after '" + key + "'");
            skipSpace();
            if (key == "descr") {
                if (Status s = string(descr); !s) return s;
                haveDescr = true;
            } else if (key == "fortran_order") {
                if (m_s.substr(m_pos, 4) == "True") fortran = true, m_pos += 4;
                else if (m_s.substr(m_pos, 5) == "False") fortran = false, m_pos += 5;
                else return fail("fortran_order must be True or False");
                haveFortran = true;
            } else if (key == "shape") {
                if (Status s = tuple(shape); !s) return s;
                haveShape = true;
            } else {
                return fail("unexpected key '" + key + "' (expected descr, fortran_order, shape)");
            }
            skipSpace();
            if (eat(',')) continue;
            if (eat('}')) break;
            return fail("expected ',' or '}' after '" + key + "'");
        }
        skipSpace();
        if (m_pos != m_s.size()) return fail("unexpected text after the header dict");
        if (!haveDescr || !haveFortran || !haveShape)
            return fail("the header lacks " + std::string(!haveDescr ? "'descr'" : !haveFortran ? "'fortran_order'" : "'shape'"));
        return {};
    }

private:
    Error fail(const std::string& why) const { return makeError(m_what + ": bad .npy header: " + why); }
    void skipSpace() {
        while (m_pos < m_s.size() && (m_s[m_pos] == ' ' || m_s[m_pos] == '\t' || m_s[m_pos] == '\n' || m_s[m_pos] == '\r')) ++m_pos;
    }
    bool eat(char c) {
        if (m_pos < m_s.size() && m_s[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    Status string(std::string& out) {
        if (m_pos >= m_s.size() || (m_s[m_pos] != '\'' && m_s[m_pos] != '"')) return fail("expected a quoted string");
        const char quote = m_s[m_pos++];
        const size_t end = m_s.find(quote, m_pos);
        if (end == std::string_view::npos) return fail("unterminated string");
        out.assign(m_s.substr(m_pos, end - m_pos));
        m_pos = end + 1;
        return {};
    }
    Status tuple(std::vector<int64_t>& out) {
        if (!eat('(')) return fail("shape must be a tuple");
        for (;;) {
            skipSpace();
            if (eat(')')) return {};
            if (m_pos >= m_s.size() || m_s[m_pos] < '0' || m_s[m_pos] > '9') return fail("shape holds a non-integer");
            int64_t v = 0;
            while (m_pos < m_s.size() && m_s[m_pos] >= '0' && m_s[m_pos] <= '9') {
                if (v > (int64_t{1} << 56)) return fail("shape overflow: a dimension is too large");
                v = v * 10 + (m_s[m_pos++] - '0');
            }
            eat('L'); // Python 2 long suffix
            if (out.size() >= 64) return fail("shape has more than 64 dimensions");
            out.push_back(v);
            skipSpace();
            if (eat(',')) continue;
            if (eat(')')) return {};
            return fail("expected ',' or ')' in shape");
        }
    }

    std::string_view m_s;
    const std::string& m_what;
    size_t m_pos = 0;
};

std::string shapeText(std::span<const int64_t> shape) {
    if (shape.empty()) return "()";
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

} // namespace

std::optional<std::string_view> npyDescr(TensorType type) {
    for (const DescrEntry& e : kDescrs)
        if (e.type == type) return std::string_view(e.descr);
    return std::nullopt;
}

std::optional<TensorType> npyTypeFromDescr(std::string_view descr) {
    if (descr.size() < 2) return std::nullopt;
    const char order = descr[0];
    for (const DescrEntry& e : kDescrs) {
        if (descr.substr(1) != std::string_view(e.descr + 1)) continue;
        const bool oneByte = e.descr[0] == '|';
        // One-byte types have no byte order: numpy writes '|', accept any marker.
        if (order == '<' || order == '=' || order == '|' || (oneByte && order == '>')) return e.type;
    }
    return std::nullopt;
}

Result<NpyHeader> parseNpyHeader(std::span<const uint8_t> bytes, const std::string& what) {
    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
        return makeError(what + ": not a .npy file (bad magic; expected \\x93NUMPY)");
    const uint8_t major = bytes[6], minor = bytes[7];
    size_t headerLen = 0, offset = 0;
    if (major == 1) {
        headerLen = bytes[8] | (size_t{bytes[9]} << 8);
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) return makeError(what + ": truncated .npy header");
        headerLen = bytes[8] | (size_t{bytes[9]} << 8) | (size_t{bytes[10]} << 16) | (size_t{bytes[11]} << 24);
        offset = 12;
    } else {
        return makeError(what + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                         " (expected 1.0, 2.0 or 3.0)");
    }
    if (headerLen > kNpyMaxHeaderBytes)
        return makeError(what + ": .npy header too long (" + std::to_string(headerLen) + " bytes, at most " +
                         std::to_string(kNpyMaxHeaderBytes) + ")");
    if (bytes.size() - offset < headerLen)
        return makeError(what + ": truncated .npy header (" + std::to_string(headerLen) + " bytes declared, " +
                         std::to_string(bytes.size() - offset) + " present)");
    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + offset), headerLen);

    std::string descr;
    bool fortran = false;
    NpyHeader header;
    if (Status s = HeaderParser(text, what).parse(descr, fortran, header.shape); !s) return s.error();
    if (!descr.empty() && descr[0] == '>' && npyTypeFromDescr("<" + descr.substr(1)))
        return makeError(what + ": big-endian data ('" + descr + "') is not supported; save it little-endian (e.g. arr.astype('<" +
                         descr.substr(1) + "'))");
    const auto type = npyTypeFromDescr(descr);
    if (!type)
        return makeError(what + ": unsupported dtype '" + descr +
                         "' (expected one of <f4 <f8 <f2 |i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8 |b1)");
    header.type = *type;
    int64_t count = 1, more = 0;
    for (int64_t d : header.shape) {
        if (d > 1) ++more;
        if (__builtin_mul_overflow(count, d, &count) || count > (int64_t{1} << 56))
            return makeError(what + ": shape overflow: " + shapeText(header.shape) + " has too many elements");
    }
    // Fortran order changes the layout only when two or more dimensions exceed 1.
    if (fortran && more > 1)
        return makeError(what + ": Fortran-ordered arrays are not supported (expected C order; save with np.ascontiguousarray)");
    header.dataOffset = offset + headerLen;
    header.dataBytes = static_cast<uint64_t>(count) * elementSize(header.type);
    return header;
}

Status checkNpyData(const NpyHeader& header, uint64_t available, const std::string& what) {
    if (available < header.dataBytes)
        return makeError(what + ": truncated data: shape " + shapeText(header.shape) + " of " + std::string(typeName(header.type)) +
                         " needs " + std::to_string(header.dataBytes) + " bytes, the file has " + std::to_string(available));
    return {};
}

Result<NpyArray> parseNpy(std::span<const uint8_t> bytes, const std::string& what) {
    auto header = parseNpyHeader(bytes, what);
    if (!header) return header.error();
    const size_t start = header->dataOffset;
    if (Status s = checkNpyData(*header, bytes.size() - start, what); !s) return s.error();
    NpyArray array;
    array.type = header->type;
    array.shape = std::move(header->shape);
    const size_t need = static_cast<size_t>(header->dataBytes);
    array.data.assign(bytes.begin() + static_cast<ptrdiff_t>(start), bytes.begin() + static_cast<ptrdiff_t>(start + need));
    return array;
}

Result<NpyArray> readNpy(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return parseNpy(file.value()->bytes(), path);
}

Result<std::vector<uint8_t>> npyHeader(TensorType type, std::span<const int64_t> shape) {
    const auto descr = npyDescr(type);
    if (!descr) return makeError("a .npy file cannot hold " + std::string(typeName(type)) + " data");
    std::string dict = "{'descr': '" + std::string(*descr) + "', 'fortran_order': False, 'shape': " + shapeText(shape) + ", }";
    // magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64.
    const size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
    if (total - 10 > 0xffff) return makeError("the .npy header for shape " + shapeText(shape) + " is too long");
    dict.append(total - 10 - dict.size() - 1, ' ');
    dict.push_back('\n');
    std::vector<uint8_t> out(kMagic, kMagic + 6);
    out.push_back(1);
    out.push_back(0);
    out.push_back(static_cast<uint8_t>(dict.size() & 0xff));
    out.push_back(static_cast<uint8_t>(dict.size() >> 8));
    out.insert(out.end(), dict.begin(), dict.end());
    return out;
}

std::vector<uint8_t> encodeNpy(const NpyArray& array) {
    auto header = npyHeader(array.type, array.shape);
    std::vector<uint8_t> out = header ? std::move(header.value()) : std::vector<uint8_t>{};
    out.insert(out.end(), array.data.begin(), array.data.end());
    return out;
}

namespace {

// The header and data of a .npy file, checked: `data` holds exactly the bytes of `shape`.
Result<std::vector<uint8_t>> checkedNpyHeader(const std::string& path, TensorType type, std::span<const int64_t> shape,
                                              std::span<const uint8_t> data) {
    auto header = npyHeader(type, shape);
    if (!header) return makeError(path + ": " + header.message());
    uint64_t count = 1;
    for (int64_t d : shape) count *= static_cast<uint64_t>(d);
    if (count * elementSize(type) != data.size())
        return makeError(path + ": " + std::to_string(data.size()) + " bytes do not match shape " + shapeText(shape) + " of " +
                         std::string(typeName(type)));
    return header;
}

} // namespace

Status writeNpy(const std::string& path, TensorType type, std::span<const int64_t> shape, std::span<const uint8_t> data,
                const std::vector<std::string>& protectedInputs) {
    auto header = checkedNpyHeader(path, type, shape, data);
    if (!header) return header.error();
    const std::span<const uint8_t> parts[2] = {header.value(), data};
    return writeFileAtomically(path, std::span<const std::span<const uint8_t>>(parts), protectedInputs);
}

Status writeNpy(AtomicFileBatch& batch, const std::string& path, TensorType type, std::span<const int64_t> shape,
                std::span<const uint8_t> data) {
    auto header = checkedNpyHeader(path, type, shape, data);
    if (!header) return header.error();
    const std::span<const uint8_t> parts[2] = {header.value(), data};
    return batch.add(path, std::span<const std::span<const uint8_t>>(parts));
}

Status writeNpy(const std::string& path, const NpyArray& array, const std::vector<std::string>& protectedInputs) {
    return writeNpy(path, array.type, array.shape, array.data, protectedInputs);
}

} // namespace ql
