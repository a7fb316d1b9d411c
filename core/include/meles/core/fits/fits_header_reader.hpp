// meles/core/fits/fits_header_reader.hpp — the header cards of FITS files (fitsProdGrammar):
// keywords with typed values, of one HDU or every HDU, from plain, gzip-compressed and
// tile-compressed (fpack) files.
//
// The quick path (`quick`, DaCHS's qnd) reads the primary header's 2880-byte blocks itself —
// one or two read(2) calls for a typical image — and checks that the file holds the data the
// header announces; everything else (other HDUs, .gz files, tile-compressed images, whose
// original header CFITSIO restores) goes through CFITSIO.  A file that is not FITS, is
// truncated or corrupt is an Error(Io) saying what is wrong; the caller names the file.
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::core::fits {

struct HeaderCard {
	enum class Kind {
		String,    // text: the value without quotes (long strings joined over CONTINUE cards)
		Integer,   // integer
		Float,     // real (D exponents read as E)
		Logical,   // logical
		Undefined, // a keyword with no value
		Other,     // complex values: text, as written
	};
	std::string key; // HIERARCH keywords without the word HIERARCH ("ESO DET CHIP")
	Kind kind = Kind::Undefined;
	std::string text;
	int64_t integer = 0;
	double real = 0;
	bool logical = false;
};

struct HduHeader {
	int index = 0; // 0: primary
	// Keywords with values, in header order; COMMENT, HISTORY, blank and END cards left out.
	std::vector<HeaderCard> cards;
	// The first card with this key (a keyword repeated in a sloppy header counts once).
	const HeaderCard* find(std::string_view key) const;
};

struct HeaderOptions {
	std::optional<int> hdu = 0; // which HDU; nullopt: every HDU
	bool quick = true;          // the primary header's blocks read directly, where possible
	int max_blocks = 40;        // quick: no END card within this many blocks is an error
};

// The headers asked for.  When the primary HDU is asked for, has no data (NAXIS = 0) and the
// next HDU is a tile-compressed image, that image's (restored) header is returned instead, as
// fpack moves the image there.  Throws Error(Io).
std::vector<HduHeader> read_fits_headers(const std::string& path, const HeaderOptions& options);

// The cards of `header` as 80-character card images again (what WCSLIB parses): values
// rewritten from their parsed form, long strings cut at 66 characters, HIERARCH cards left out.
std::string card_images(const HduHeader& header);

// Parses one 80-character card; false for commentary and blank cards.  (For tests and for the
// quick path; CONTINUE cards are joined by the callers.)
bool parse_card(std::string_view card, HeaderCard& out);

} // namespace meles::core::fits
