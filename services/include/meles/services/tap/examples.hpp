// meles/services/tap/examples.hpp — the DALI examples document (/tap/examples) from the
// `_example` metas of resource descriptors, DaCHS's way of attaching example queries:
//
//   <meta name="_example" title="Bright stars">
//     Stars brighter than 6 mag from :taptable:`stars.main`:
//
//     .. tapquery::
//
//       SELECT * FROM stars.main WHERE mag < 6
//   </meta>
//
// Thread-safety: pure functions (the RdStore is thread-safe).
#pragma once

#include "meles/rd/store/rd_store.hpp"

#include <string>
#include <vector>

namespace meles::services::tap {

struct TapExample {
	std::string id; // XML id, from the title
	std::string title;
	std::string body_html;           // paragraphs (XHTML), the query excluded
	std::string query;               // ADQL; may be empty for a purely textual example
	std::vector<std::string> tables; // :taptable: references
};

// Parses one `_example` meta (title attribute, reStructuredText-ish body).
TapExample parse_example(const std::string& title, const std::string& text);

// The examples of the RDs named (RDs that fail to load are skipped), with unique ids.
std::vector<TapExample> collect_examples(rd::RdStore& store, const std::vector<std::string>& rd_ids);

// The XHTML+RDFa document DALI 1.1 ("examples") defines.
std::string examples_document(const std::vector<TapExample>& examples, const std::string& service_url);

} // namespace meles::services::tap
