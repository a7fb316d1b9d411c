// meles/services/tap/examples.hpp — the DALI examples page of /tap/examples.
//
// Operators write examples as DaCHS does: `<meta name="_example" title="...">` in an RD whose
// tables TAP publishes, holding reStructuredText with one `.. tapquery::` block (the ADQL)
// and `:taptable:` roles naming tables.  We render the small part of reStructuredText such
// texts use (paragraphs, bullet lists, literal blocks, inline literals, emphasis, links,
// roles) into XHTML carrying the DALI-examples RDFa properties clients read (name, query,
// table).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace meles::services::tap {

struct Example {
	std::string title;
	std::string text;   // reStructuredText as written in the RD
	std::string origin; // "rd-id" or "rd-id, line N", for messages
};

// The ADQL of the example's `.. tapquery::` (or `.. query::`) block, dedented; "" if none.
std::string example_query(const std::string& text);

// Checks an example as `meles val` does: a title, exactly one query block.  Returns the
// problems ("" when fine).
std::string example_problem(const Example& example);

// The XHTML document: every example that has a query, in order; `tables_url` is the
// service's /tables endpoint (the :taptable: links go to /tables/NAME).
std::string examples_page(const std::vector<Example>& examples, const std::string& tables_url,
                          const std::string& heading);

} // namespace meles::services::tap
