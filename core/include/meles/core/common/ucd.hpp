// meles/core/common/ucd.hpp — UCDs judged against the IVOA UCD1+ word list (EN-UCDlist 1.6,
// core/data/ucd-list.txt, compiled in) and its syntax rules: words joined by ';', the first
// one allowed as primary, the others as secondary, optionally with a namespace ("ivoa:",
// "custom:"; only the ivoa words are looked up).
//
// This is what `meles val` warns about and what the ADQL translator's UCDs are tested against.
// Thread-safety: pure functions over an immutable table built on first use.
#pragma once

#include <string>
#include <string_view>

namespace meles {

// The flag of a word in the UCD1+ list, case-insensitively: 'P' (primary only), 'S'
// (secondary only), 'Q', 'E', 'V' or 'C' (either); '\0' when the list does not have it.
char ucd_word_flag(std::string_view word);

// The list's version line ("EN-UCDlist-v1.6-2024-12-18").
std::string_view ucd_list_version();

// What is wrong with a UCD, "" if nothing: characters outside letters, digits and ". _ - ; :",
// malformed words, words not in the list (with the closest one), a secondary word leading or a
// primary one following.  "" (no UCD) passes; so do "instr.fov" and "em.line", which IVOA
// standards prescribe although the list does not allow them alone (as DaCHS 2.7 does).
std::string ucd_problem(std::string_view ucd);

} // namespace meles
