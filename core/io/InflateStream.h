#pragma once
// A compressed stream inflated forward on demand: a raw deflate stream (an .npz entry) or gzip
// data (concatenated members allowed, as gzip files may hold). Its position is the count of
// bytes produced so far. It never produces more than declared; at the declared end the stream
// must end there and, for a raw stream given one, match its CRC-32 (gzip members carry their
// own, checked by zlib). A read before the position restarts the stream from the start, so
// sequential readers pay for the bytes up to what they use and no more. Not thread-safe:
// callers hold a lock.

#include "util/Result.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <zlib.h>

namespace ql {

class InflateStream {
public:
    enum class Format { RawDeflate, Gzip };
    InflateStream(std::span<const uint8_t> compressed, Format format, uint64_t declared,
                  std::optional<uint32_t> crc, std::string what)
        : m_in(compressed), m_format(format), m_declared(declared), m_crc(crc),
          m_what(std::move(what)) {}
    ~InflateStream() {
        if (m_started) inflateEnd(&m_zs);
    }
    InflateStream(const InflateStream&) = delete;
    InflateStream& operator=(const InflateStream&) = delete;

    // Sets the declared size once it is known (e.g. from a header read through the stream).
    void setDeclared(uint64_t declared) { m_declared = declared; }

    // Copies bytes [offset, offset + out.size()) of the inflated data into `out`.
    Status read(uint64_t offset, std::span<uint8_t> out) {
        if (offset > m_declared || out.size() > m_declared - offset)
            return makeError(m_what + ": read past the declared " + std::to_string(m_declared) +
                             " bytes");
        if (!m_status) return m_status;
        if (!m_started || offset < m_pos)
            if (Status s = restart(); !s) return remember(s);
        uint8_t skip[1 << 16];
        while (m_pos < offset) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof skip, offset - m_pos));
            if (Status s = produce(skip, n); !s) return remember(s);
        }
        if (Status s = produce(out.data(), out.size()); !s) return remember(s);
        return {};
    }
    // Bytes inflated so far, restarts included (for tests and figures).
    uint64_t produced() const { return m_total; }

private:
    Status remember(Status s) {
        m_status = s;
        return s;
    }
    Status restart() {
        if (m_started) inflateEnd(&m_zs);
        m_zs = z_stream{};
        // 15 + 32: a gzip (or zlib) header, detected.
        const int bits = m_format == Format::RawDeflate ? -MAX_WBITS : 15 + 32;
        if (inflateInit2(&m_zs, bits) != Z_OK) return makeError(m_what + ": cannot start zlib");
        m_started = true;
        m_consumed = 0;
        m_pos = 0;
        m_runningCrc = crc32(0L, Z_NULL, 0);
        return {};
    }
    void feed() {
        if (m_zs.avail_in != 0 || m_consumed >= m_in.size()) return;
        const size_t chunk = std::min<size_t>(m_in.size() - m_consumed, 1u << 30);
        m_zs.next_in = const_cast<Bytef*>(m_in.data() + m_consumed);
        m_zs.avail_in = static_cast<uInt>(chunk);
        m_consumed += chunk;
    }
    // At the end of a gzip member with more input: another member follows (or garbage).
    bool nextGzipMember() {
        if (m_format != Format::Gzip) return false;
        const size_t at = m_consumed - m_zs.avail_in;
        if (m_in.size() - at < 2 || m_in[at] != 0x1f || m_in[at + 1] != 0x8b) return false;
        inflateReset(&m_zs);
        return true;
    }
    // Inflates exactly `len` further bytes into `dst`.
    Status produce(uint8_t* dst, size_t len) {
        const char* kind = m_format == Format::RawDeflate ? "deflate" : "gzip";
        while (len > 0) {
            feed();
            const size_t want = std::min<size_t>(len, 1u << 30);
            m_zs.next_out = dst;
            m_zs.avail_out = static_cast<uInt>(want);
            const int rc = inflate(&m_zs, Z_NO_FLUSH);
            const size_t got = want - m_zs.avail_out;
            m_runningCrc = crc32(m_runningCrc, dst, static_cast<uInt>(got));
            m_pos += got;
            m_total += got;
            dst += got;
            len -= got;
            if (rc == Z_STREAM_END && len > 0) {
                if (nextGzipMember()) continue;
                return makeError(m_what + ": corrupt " + kind + " data (the stream ends after " +
                                 std::to_string(m_pos) + " of " + std::to_string(m_declared) +
                                 " declared bytes)");
            }
            if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && got > 0))
                return makeError(m_what + ": corrupt " + kind + " data (zlib status " +
                                 std::to_string(rc) + " after " + std::to_string(m_pos) + " of " +
                                 std::to_string(m_declared) + " bytes)");
            if (got == 0 && m_zs.avail_in == 0 && m_consumed == m_in.size())
                return makeError(m_what + ": truncated " + kind + " data (" +
                                 std::to_string(m_pos) + " of " + std::to_string(m_declared) +
                                 " bytes)");
        }
        if (m_pos == m_declared) return finish();
        return {};
    }
    // At the declared end: the stream must end here, and match its CRC-32 when one is given.
    Status finish() {
        const char* kind = m_format == Format::RawDeflate ? "deflate" : "gzip";
        uint8_t extra = 0;
        m_zs.next_out = &extra;
        m_zs.avail_out = 1;
        feed();
        const int rc = inflate(&m_zs, Z_NO_FLUSH);
        if (m_zs.avail_out == 0)
            return makeError(m_what + ": corrupt " + kind + " data (inflates to more than the " +
                             "declared " + std::to_string(m_declared) + " bytes)");
        if (rc != Z_STREAM_END)
            return makeError(m_what + ": corrupt " + kind + " data (no end of stream after the " +
                             "declared " + std::to_string(m_declared) + " bytes)");
        if (m_crc && m_runningCrc != *m_crc)
            return makeError(m_what + ": CRC-32 mismatch (the archive is corrupt)");
        return {};
    }

    std::span<const uint8_t> m_in;
    Format m_format;
    uint64_t m_declared;
    std::optional<uint32_t> m_crc;
    std::string m_what;
    z_stream m_zs{};
    bool m_started = false;
    size_t m_consumed = 0; // compressed bytes handed to zlib
    uint64_t m_pos = 0, m_total = 0;
    uLong m_runningCrc = 0;
    Status m_status;
};

} // namespace ql
