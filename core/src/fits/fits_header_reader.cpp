// FITS headers for fitsProdGrammar: a quick reader of the primary header's blocks, and CFITSIO
// for the rest (other HDUs, gzip, tile compression).
#include "meles/core/fits/fits_header_reader.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <fitsio.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace meles::core::fits {

namespace {

constexpr size_t kBlock = 2880;
constexpr size_t kCard = 80;

[[noreturn]] void fail(const std::string& what) {
	throw Error(ErrorKind::Io, what);
}

std::string cfitsio_message(int status) {
	char text[FLEN_STATUS] = {0};
	fits_get_errstatus(status, text);
	std::string out = text;
	char detail[FLEN_ERRMSG] = {0};
	if (fits_read_errmsg(detail) && detail[0] && out.find(detail) == std::string::npos)
		out += concat(" (", detail, ")");
	fits_clear_errmsg();
	return out;
}

class Fd {
public:
	explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
		if (fd_ < 0) fail(concat("cannot open: ", std::strerror(errno)));
	}
	~Fd() { ::close(fd_); }
	// Reads up to n bytes at `offset`; returns how many there were.
	size_t read_at(char* buf, size_t n, uint64_t offset) const {
		size_t got = 0;
		while (got < n) {
			ssize_t r = ::pread(fd_, buf + got, n - got, static_cast<off_t>(offset + got));
			if (r < 0 && errno == EINTR) continue;
			if (r < 0) fail(concat("cannot read: ", std::strerror(errno)));
			if (r == 0) break;
			got += static_cast<size_t>(r);
		}
		return got;
	}
	uint64_t size() const {
		struct stat st {};
		if (::fstat(fd_, &st) != 0) fail(concat("cannot stat: ", std::strerror(errno)));
		return static_cast<uint64_t>(st.st_size);
	}

private:
	int fd_;
};

// Adds a card to `cards`, joining a CONTINUE card to a long string before it.
void add_card(std::string_view card, std::vector<HeaderCard>& cards) {
	if (card.substr(0, 8) == "CONTINUE" && !cards.empty() && cards.back().kind == HeaderCard::Kind::String &&
	    cards.back().text.ends_with('&')) {
		HeaderCard more;
		// A CONTINUE card has its string where a value would be, without "= ".
		std::string as_value = concat("CONTINUE= ", card.size() > 10 ? card.substr(10) : std::string_view());
		if (parse_card(as_value, more) && more.kind == HeaderCard::Kind::String) {
			cards.back().text.pop_back();
			cards.back().text += more.text;
		}
		return;
	}
	HeaderCard c;
	if (parse_card(card, c)) cards.push_back(std::move(c));
}

// Data bytes of an HDU from its header (without the padding to whole blocks).
uint64_t data_bytes(const HduHeader& h) {
	auto num = [&](std::string_view key, int64_t dflt) {
		const HeaderCard* c = h.find(key);
		return c && c->kind == HeaderCard::Kind::Integer ? c->integer : dflt;
	};
	// Every number is checked before it is multiplied: a hostile header must neither wrap the
	// size round to something small (and pass as complete) nor make us count to 10^12.
	constexpr uint64_t kAbsurd = uint64_t(1) << 50;
	int64_t naxis = num("NAXIS", 0);
	if (naxis < 0 || naxis > 999)
		fail(concat("corrupt header: NAXIS is ", std::to_string(naxis), " (FITS allows 0 to 999)"));
	int64_t bitpix = num("BITPIX", 8);
	if (bitpix != 8 && bitpix != 16 && bitpix != 32 && bitpix != 64 && bitpix != -32 && bitpix != -64)
		fail(concat("corrupt header: BITPIX is ", std::to_string(bitpix)));
	int64_t gcount = num("GCOUNT", 1), pcount = num("PCOUNT", 0);
	if (gcount < 0 || pcount < 0) fail("corrupt header: GCOUNT or PCOUNT is negative");
	if (naxis == 0) return 0;
	uint64_t elems = 1;
	bool groups = num("NAXIS1", 1) == 0 && h.index == 0; // random groups
	for (int64_t i = groups ? 2 : 1; i <= naxis; ++i) {
		int64_t n = num(concat("NAXIS", std::to_string(i)), 0);
		if (n < 0) fail(concat("corrupt header: NAXIS", std::to_string(i), " is negative"));
		if (n != 0 && elems > kAbsurd / static_cast<uint64_t>(n))
			fail("corrupt header: the data size is absurd");
		elems *= static_cast<uint64_t>(n);
	}
	uint64_t bytes = static_cast<uint64_t>(std::abs(bitpix)) / 8;
	uint64_t per_group = static_cast<uint64_t>(pcount) + elems;
	if (static_cast<uint64_t>(pcount) > kAbsurd ||
	    (gcount && per_group > kAbsurd / static_cast<uint64_t>(gcount)) ||
	    per_group * static_cast<uint64_t>(gcount) > kAbsurd / bytes)
		fail("corrupt header: the data size is absurd");
	return bytes * static_cast<uint64_t>(gcount) * per_group;
}

// Reads the header starting at `offset`; returns its size in bytes (whole blocks).
uint64_t read_header_blocks(const Fd& fd, uint64_t offset, int max_blocks, bool primary, HduHeader& out) {
	char block[kBlock];
	for (int b = 0; b < max_blocks; ++b) {
		size_t n = fd.read_at(block, kBlock, offset + static_cast<uint64_t>(b) * kBlock);
		if (n < kBlock) {
			if (b == 0 && primary && n < kCard) fail("not a FITS file (shorter than one header card)");
			fail("truncated: the file ends inside a header, before its END card");
		}
		for (size_t i = 0; i < kBlock; i += kCard) {
			std::string_view card(block + i, kCard);
			if (b == 0 && i == 0 && primary && card.substr(0, 9) != "SIMPLE  =")
				fail("not a FITS file (it does not start with SIMPLE)");
			if (card.substr(0, 8) == "END     ") return static_cast<uint64_t>(b + 1) * kBlock;
			for (char c : card)
				if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
					fail(concat("corrupt header: card ",
					            std::to_string(b * 36 + static_cast<int>(i / kCard) + 1),
					            " holds bytes that are not ASCII text"));
			add_card(card, out.cards);
		}
	}
	fail(concat("no END card in the first ", std::to_string(max_blocks), " header blocks (maxHeaderBlocks)"));
}

bool gzipped(const Fd& fd) {
	unsigned char magic[2] = {0, 0};
	return fd.read_at(reinterpret_cast<char*>(magic), 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

bool is_true(const HduHeader& h, std::string_view key) {
	const HeaderCard* c = h.find(key);
	return c && c->kind == HeaderCard::Kind::Logical && c->logical;
}

// The quick path: the primary header; nullopt when CFITSIO has to do it (a compressed image
// follows an empty primary HDU).
std::optional<HduHeader> quick_primary(const Fd& fd, int max_blocks) {
	HduHeader h;
	uint64_t header = read_header_blocks(fd, 0, max_blocks, true, h);
	uint64_t data = data_bytes(h), size = fd.size();
	if (size < header + data)
		fail(concat("truncated: the header announces ", std::to_string(data),
		            " bytes of data, the file holds ", std::to_string(size - header)));
	if (data == 0 && is_true(h, "EXTEND") && size > header) {
		HduHeader next;
		next.index = 1;
		read_header_blocks(fd, header, max_blocks, false, next);
		if (is_true(next, "ZIMAGE")) return std::nullopt;
	}
	return h;
}

class CfitsFile {
public:
	explicit CfitsFile(const std::string& path) {
		int status = 0;
		// fits_open_diskfile: the name is a file name, never CFITSIO's extended syntax.
		if (fits_open_diskfile(&f_, path.c_str(), READONLY, &status)) {
			f_ = nullptr;
			fail(concat("cannot read as FITS: ", cfitsio_message(status)));
		}
	}
	~CfitsFile() {
		int status = 0;
		if (f_) fits_close_file(f_, &status);
	}
	int hdus() {
		int n = 0, status = 0;
		if (fits_get_num_hdus(f_, &n, &status))
			fail(concat("cannot count the HDUs: ", cfitsio_message(status)));
		return n;
	}
	// The header of HDU `index` (0-based); tile-compressed images as they were before compression.
	HduHeader header(int index) {
		int status = 0, type = 0;
		if (fits_movabs_hdu(f_, index + 1, &type, &status))
			fail(concat("HDU ", std::to_string(index), ": ", cfitsio_message(status)));
		char* text = nullptr;
		int nkeys = 0;
		if (fits_convert_hdr2str(f_, 1, nullptr, 0, &text, &nkeys, &status))
			fail(
			    concat("HDU ", std::to_string(index), ": cannot read its header: ", cfitsio_message(status)));
		HduHeader h;
		h.index = index;
		std::string_view all(text, std::strlen(text));
		for (size_t i = 0; i + kCard <= all.size(); i += kCard)
			add_card(all.substr(i, kCard), h.cards);
		fits_free_memory(text, &status);
		// CFITSIO lets sizes that wrap round in 64 bits pass; the quick path's checks apply.
		data_bytes(h);
		return h;
	}
	bool compressed(int index) {
		int status = 0, type = 0;
		if (fits_movabs_hdu(f_, index + 1, &type, &status)) return false;
		return fits_is_compressed_image(f_, &status) != 0;
	}
	// Where the data of HDU `index` ends, in bytes of the (uncompressed) file.
	uint64_t data_end(int index) {
		int status = 0, type = 0;
		LONGLONG head = 0, start = 0, end = 0;
		if (fits_movabs_hdu(f_, index + 1, &type, &status) ||
		    fits_get_hduaddrll(f_, &head, &start, &end, &status))
			fail(concat("HDU ", std::to_string(index), ": ", cfitsio_message(status)));
		return static_cast<uint64_t>(end);
	}

private:
	fitsfile* f_ = nullptr;
};

} // namespace

const HeaderCard* HduHeader::find(std::string_view key) const {
	for (auto& c : cards)
		if (c.key == key) return &c;
	return nullptr;
}

bool parse_card(std::string_view card, HeaderCard& out) {
	if (card.size() > kCard) card = card.substr(0, kCard);
	std::string_view key = trim(card.substr(0, std::min<size_t>(8, card.size())));
	std::string_view rest = card.size() > 8 ? card.substr(8) : std::string_view();
	if (key == "HIERARCH") {
		auto eq = rest.find('=');
		if (eq == std::string_view::npos) return false;
		key = trim(rest.substr(0, eq));
		rest = rest.substr(eq);
	}
	if (key.empty() || key == "COMMENT" || key == "HISTORY" || key == "END") return false;
	if (rest.substr(0, 1) != "=") return false; // commentary keyword without a value
	out = HeaderCard{};
	out.key = std::string(key);
	std::string_view v = rest.substr(1);
	size_t i = 0;
	while (i < v.size() && v[i] == ' ')
		++i;
	if (i < v.size() && v[i] == '\'') {
		std::string s;
		size_t j = i + 1;
		for (; j < v.size(); ++j) {
			if (v[j] == '\'') {
				if (j + 1 < v.size() && v[j + 1] == '\'') {
					s += '\'';
					++j;
					continue;
				}
				break;
			}
			s += v[j];
		}
		// Trailing blanks of FITS strings do not count; leading ones do.
		while (!s.empty() && s.back() == ' ')
			s.pop_back();
		out.kind = HeaderCard::Kind::String;
		out.text = std::move(s);
		return true;
	}
	std::string_view value = v.substr(i);
	if (auto slash = value.find('/'); slash != std::string_view::npos) value = value.substr(0, slash);
	value = trim(value);
	out.text = std::string(value);
	if (value.empty()) {
		out.kind = HeaderCard::Kind::Undefined;
		return true;
	}
	if (value == "T" || value == "F") {
		out.kind = HeaderCard::Kind::Logical;
		out.logical = value == "T";
		return true;
	}
	std::string_view digits = value.front() == '+' ? value.substr(1) : value;
	int64_t n = 0;
	auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
	if (ec == std::errc() && p == digits.data() + digits.size()) {
		out.kind = HeaderCard::Kind::Integer;
		out.integer = n;
		return true;
	}
	std::string f(value);
	for (char& c : f)
		if (c == 'D' || c == 'd') c = 'E';
	char* end = nullptr;
	double d = std::strtod(f.c_str(), &end);
	bool numeric = !f.empty() && *end == '\0' && f.find_first_not_of("0123456789+-.Ee") == std::string::npos;
	if (numeric) {
		out.kind = HeaderCard::Kind::Float;
		out.real = d;
		return true;
	}
	out.kind = HeaderCard::Kind::Other;
	return true;
}

std::vector<HduHeader> read_fits_headers(const std::string& path, const HeaderOptions& opts) {
	bool primary = opts.hdu && *opts.hdu == 0;
	if (opts.hdu && *opts.hdu < 0) fail(concat("there is no HDU ", std::to_string(*opts.hdu)));
	Fd fd(path);
	bool gz = gzipped(fd);
	if (opts.quick && primary && !gz)
		if (auto h = quick_primary(fd, std::max(1, opts.max_blocks))) return {std::move(*h)};
	CfitsFile f(path);
	int n = f.hdus();
	std::vector<HduHeader> out;
	auto check_complete = [&](int index) {
		// A compressed file's size says nothing about its uncompressed HDUs (CFITSIO refused
		// a truncated .gz already).
		if (gz) return;
		uint64_t end = f.data_end(index), size = fd.size();
		if (size < end)
			fail(concat("truncated: HDU ", std::to_string(index), " needs ", std::to_string(end),
			            " bytes, the file holds ", std::to_string(size)));
	};
	if (!opts.hdu) {
		for (int i = 0; i < n; ++i) {
			check_complete(i);
			out.push_back(f.header(i));
		}
		return out;
	}
	int want = *opts.hdu;
	if (want >= n)
		fail(concat("there is no HDU ", std::to_string(want), " (the file has ", std::to_string(n),
		            n == 1 ? " HDU)" : " HDUs)"));
	check_complete(want);
	HduHeader h = f.header(want);
	if (want == 0 && n > 1) {
		const HeaderCard* naxis = h.find("NAXIS");
		if (naxis && naxis->kind == HeaderCard::Kind::Integer && naxis->integer == 0 && f.compressed(1)) {
			check_complete(1);
			h = f.header(1);
		}
	}
	out.push_back(std::move(h));
	return out;
}

} // namespace meles::core::fits

namespace meles::core::fits {

std::string card_images(const HduHeader& header) {
	std::string out;
	out.reserve(header.cards.size() * kCard);
	char buf[128];
	for (auto& c : header.cards) {
		// Longer keys are HIERARCH cards, which no WCS uses.
		if (c.key.size() > 8) continue;
		std::string value;
		switch (c.kind) {
		case HeaderCard::Kind::String: {
			value = "'";
			for (char ch : c.text.substr(0, 66))
				value += ch == '\'' ? std::string("''") : std::string(1, ch);
			value += "'";
			break;
		}
		case HeaderCard::Kind::Integer:
			value = std::to_string(c.integer);
			break;
		case HeaderCard::Kind::Float:
			std::snprintf(buf, sizeof buf, "%.17G", c.real);
			value = buf;
			if (value.find_first_of(".EN") == std::string::npos) value += ".";
			break;
		case HeaderCard::Kind::Logical:
			value = c.logical ? "T" : "F";
			break;
		case HeaderCard::Kind::Undefined:
			value = "";
			break;
		case HeaderCard::Kind::Other:
			value = c.text;
			break;
		}
		std::snprintf(buf, sizeof buf, "%-8s= %20s", c.key.c_str(), value.c_str());
		std::string card(buf);
		card.resize(kCard, ' ');
		out += card;
	}
	return out;
}

} // namespace meles::core::fits
