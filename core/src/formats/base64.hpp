// base64.hpp — base64 for VOTable BINARY/BINARY2 STREAMs, in large blocks.
//
// The encoder writes 76-character lines (57 input bytes each) so documents stay friendly to
// line-oriented tools; the decoder is incremental (STREAM text arrives in arbitrary pieces
// from the XML parser) and skips whitespace.  Thread-safety: the decoder is per stream.
#pragma once

#include "formats/byte_buffer.hpp"

#include <cstddef>
#include <string_view>

namespace meles::formats {

constexpr std::size_t kBase64LineBytes = 57;

// Upper bound of base64_encode_lines' output for n input bytes.
inline std::size_t base64_lines_size(std::size_t n) {
	return (n + 2) / 3 * 4 + n / kBase64LineBytes + 2;
}

// Encodes n bytes; every complete 57-byte line ends with '\n'.  A final partial line is padded
// with '=' and also ends with '\n' (so call it with a partial line only at the end of a stream).
// Returns the number of characters written to out.
std::size_t base64_encode_lines(const unsigned char* in, std::size_t n, char* out);

class Base64Decoder {
public:
	// Appends the bytes encoded in `text` (whitespace ignored).  Returns false on a character
	// outside the base64 alphabet or data after the '=' padding.
	bool feed(std::string_view text, ByteBuffer& out);
	// True when the input ended on a complete group.
	bool complete() const { return nq_ == 0; }

private:
	unsigned quad_ = 0;
	int nq_ = 0;
	bool ended_ = false; // '=' seen
	int pad_ = 0;
};

} // namespace meles::formats
