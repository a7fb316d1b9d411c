// meles/rd/registry/vocabularies.hpp — the controlled vocabularies registry metadata is
// checked against: the UAT for subjects (vocabularies/uat-terms.tsv, compiled in), and the
// IVOA's content level, content type and messenger (waveband) vocabularies.
// Thread-safety: the vocabularies are read once, on first use, and immutable afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::registry {

struct SubjectCheck {
	std::optional<std::string> term; // the UAT identifier to write ("virtual-observatories")
	std::string problem;             // why not, with what to write instead (empty when fine)
};

// Looks a subject up in the UAT: its identifier, preferred or alternative label (in any case)
// or concept URI (IVOA's or the UAT's own).  Deprecated terms are problems naming the terms
// to use instead; unknown ones name close terms.
SubjectCheck check_subject(std::string_view subject);

// The vocabulary term as it must be written, or nullopt (comparison ignores case).
std::optional<std::string> content_level(std::string_view value); // Research, Amateur, General
std::optional<std::string> content_type(std::string_view value);  // Catalog, Archive, Survey, ...
std::optional<std::string> waveband(std::string_view value);      // Radio, ..., Optical, UV, X-ray, ...
std::vector<std::string> content_levels();
std::vector<std::string> content_types();
std::vector<std::string> wavebands();

// Number of UAT concepts known (for tests and `meles val` messages).
size_t uat_size();

} // namespace meles::rd::registry
