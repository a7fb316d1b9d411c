// Helpers for the ingestion tests: a temporary directory, files written into it, grammar
// elements built in code, and records rendered as strings for comparison.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/grammar_registry.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace meles::rd::ingest::testing {

class TempDir {
public:
	TempDir() {
		std::string tmpl = (std::filesystem::temp_directory_path() / "meles-ingest-XXXXXX").string();
		if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
		path_ = tmpl;
	}
	~TempDir() {
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	const std::string& path() const { return path_; }
	std::string write(const std::string& rel, const std::string& content) const {
		std::filesystem::path p = std::filesystem::path(path_) / rel;
		std::filesystem::create_directories(p.parent_path());
		std::ofstream(p, std::ios::binary) << content;
		return p.string();
	}
	std::string file(const std::string& rel) const { return (std::filesystem::path(path_) / rel).string(); }

private:
	std::string path_;
};

inline GrammarElement element(std::string name, std::vector<std::pair<std::string, std::string>> attrs = {},
                              std::vector<GrammarElement> children = {}, std::string text = {}) {
	GrammarElement el;
	el.name = std::move(name);
	el.pos = SourcePos{"q.rd", 12, 0};
	int line = 12;
	for (auto& [k, v] : attrs)
		el.attributes.push_back({k, v, SourcePos{"q.rd", line, 0}});
	el.children = std::move(children);
	el.text = std::move(text);
	return el;
}

inline std::string render(const Value& v) {
	char buf[64];
	auto list = [&](size_t n, auto elem) {
		std::string s = "[";
		for (size_t i = 0; i < n; ++i) {
			if (i) s += ",";
			s += v.element_null(i) ? std::string("NULL") : elem(i);
		}
		return s + "]";
	};
	switch (v.kind()) {
	case ValueKind::Null:
		return "NULL";
	case ValueKind::Text:
		return std::string(v.as_text());
	case ValueKind::Int:
		return std::to_string(v.as_int());
	case ValueKind::Double:
		std::snprintf(buf, sizeof buf, "%.10g", v.as_double());
		return buf;
	case ValueKind::Bool:
		return v.as_bool() ? "T" : "F";
	case ValueKind::Object:
		return v.as_object().repr();
	case ValueKind::IntArray:
		return list(v.array_size(), [&](size_t i) { return std::to_string(v.ints()[i]); });
	case ValueKind::DoubleArray:
		return list(v.array_size(), [&](size_t i) {
			std::snprintf(buf, sizeof buf, "%.10g", v.doubles()[i]);
			return std::string(buf);
		});
	case ValueKind::BoolArray:
		return list(v.array_size(), [&](size_t i) { return std::string(v.bools()[i] ? "T" : "F"); });
	}
	return "?";
}

struct ReadResult {
	std::vector<std::string> names;
	std::vector<std::vector<std::string>> rows;
	std::vector<int64_t> lines;
	size_t batches = 0;
};

inline ReadResult read_all(const Grammar& g, const SourceInfo& src, ReadOptions opts = {}) {
	ReadResult r;
	auto reader = g.open(src, opts);
	r.names = reader->layout().names();
	RecordBatch batch;
	while (reader->next(batch)) {
		++r.batches;
		for (size_t i = 0; i < batch.size(); ++i) {
			std::vector<std::string> row;
			for (const Value& v : batch.record(i))
				row.push_back(render(v));
			r.rows.push_back(std::move(row));
			r.lines.push_back(batch.line(i));
		}
	}
	return r;
}

inline ReadResult read_file(const GrammarElement& el, const std::string& path, const std::string& resdir = {},
                            ReadOptions opts = {}) {
	auto g = make_grammar(el);
	return read_all(*g, SourceInfo::for_file(path, resdir), opts);
}

using Rows = std::vector<std::vector<std::string>>;

// The full message of the meles::Error `f` throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
	try {
		f();
	} catch (const Error& e) {
		return e.full_message();
	}
	return "(no error)";
}

} // namespace meles::rd::ingest::testing
