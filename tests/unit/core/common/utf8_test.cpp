#include "meles/core/common/strings.hpp"
#include "meles/core/common/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace meles;
using namespace std::string_literals;

TEST_CASE("utf8: the first byte that is not well-formed UTF-8") {
	constexpr auto npos = std::string_view::npos;
	CHECK(invalid_utf8_offset("") == npos);
	CHECK(invalid_utf8_offset("plain ascii") == npos);
	CHECK(invalid_utf8_offset("Gr\xC3\xBC\xC3\x9F"
	                          "e \xE2\x82\xAC \xF0\x9F\x94\xAD \xEF\xBF\xBD") == npos);
	CHECK(invalid_utf8_offset("abc\xFF") == 3);
	CHECK(invalid_utf8_offset("\xC3") == 0);             // truncated
	CHECK(invalid_utf8_offset("a\xC0\xAF") == 1);        // overlong '/'
	CHECK(invalid_utf8_offset("ab\xED\xA0\x80") == 2);   // surrogate
	CHECK(invalid_utf8_offset("\xF4\x90\x80\x80") == 0); // above U+10FFFF
	CHECK(invalid_utf8_offset("x\x80") == 1);            // lone continuation byte
	CHECK(control_char_offset("acc1") == npos);
	CHECK(control_char_offset("acc1\0x"s) == 4);
	CHECK(control_char_offset("a\tb") == 1);
	CHECK(control_char_offset("a\x7F") == 1);
	CHECK(control_char_offset("\xC3\xBC") == npos);
}

TEST_CASE("utf8: XML escaping keeps documents well-formed whatever bytes are echoed") {
	CHECK(xml_escape("a<b & 'c'") == "a&lt;b &amp; &apos;c&apos;");
	CHECK(xml_escape("Gr\xC3\xBC\xC3\x9F"
	                 "e \xF0\x9F\x94\xAD") == "Gr\xC3\xBC\xC3\x9F"
	                                          "e \xF0\x9F\x94\xAD");
	CHECK(xml_escape("up\xFF") == "up\xEF\xBF\xBD");
	CHECK(xml_escape("\xC3(x\x01") == "\xEF\xBF\xBD(x");
	CHECK(xml_escape("\xED\xA0\x80!") ==
	      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!"); // a surrogate, byte by byte
	CHECK(invalid_utf8_offset(xml_escape("\xFF\xFE\xC0\xAF")) == std::string_view::npos);
}
