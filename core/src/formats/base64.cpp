#include "formats/base64.hpp"

#include <array>

namespace meles::formats {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> make_decode_table() {
	std::array<signed char, 256> t{};
	for (auto& v : t)
		v = -1;
	for (int i = 0; i < 64; ++i)
		t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
	t[' '] = t['\n'] = t['\r'] = t['\t'] = -2;
	t['='] = -3;
	return t;
}
constexpr auto kDecode = make_decode_table();

inline char* encode_triplet(const unsigned char* in, char* out) {
	unsigned v = (unsigned(in[0]) << 16) | (unsigned(in[1]) << 8) | in[2];
	out[0] = kAlphabet[v >> 18];
	out[1] = kAlphabet[(v >> 12) & 63];
	out[2] = kAlphabet[(v >> 6) & 63];
	out[3] = kAlphabet[v & 63];
	return out + 4;
}

} // namespace

std::size_t base64_encode_lines(const unsigned char* in, std::size_t n, char* out) {
	char* o = out;
	while (n >= kBase64LineBytes) {
		for (int k = 0; k < 19; ++k, in += 3)
			o = encode_triplet(in, o);
		*o++ = '\n';
		n -= kBase64LineBytes;
	}
	if (n) {
		while (n >= 3) {
			o = encode_triplet(in, o);
			in += 3;
			n -= 3;
		}
		if (n) {
			unsigned char last[3] = {in[0], n > 1 ? in[1] : static_cast<unsigned char>(0), 0};
			encode_triplet(last, o);
			o[3] = '=';
			if (n == 1) o[2] = '=';
			o += 4;
		}
		*o++ = '\n';
	}
	return static_cast<std::size_t>(o - out);
}

bool Base64Decoder::feed(std::string_view text, ByteBuffer& out) {
	char* o = out.ensure(text.size() / 4 * 3 + 3);
	char* start = o;
	bool ok = true;
	for (unsigned char ch : text) {
		int d = kDecode[ch];
		if (d >= 0) {
			if (ended_) {
				ok = false;
				break;
			}
			quad_ = (quad_ << 6) | static_cast<unsigned>(d);
			if (++nq_ == 4) {
				o[0] = static_cast<char>(quad_ >> 16);
				o[1] = static_cast<char>(quad_ >> 8);
				o[2] = static_cast<char>(quad_);
				o += 3;
				nq_ = 0;
				quad_ = 0;
			}
		} else if (d == -2) {
			continue;
		} else if (d == -3) {
			// '=' pads the final group: "xx==" carries one byte, "xxx=" two.
			if (!ended_) {
				if (nq_ < 2) {
					ok = false;
					break;
				}
				ended_ = true;
				unsigned q = quad_ << (6 * (4 - nq_));
				*o++ = static_cast<char>(q >> 16);
				if (nq_ == 3) *o++ = static_cast<char>(q >> 8);
				nq_ = 0;
				quad_ = 0;
			}
		} else {
			ok = false;
			break;
		}
	}
	out.commit(static_cast<std::size_t>(o - start));
	return ok;
}

} // namespace meles::formats
