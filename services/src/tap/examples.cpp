#include "meles/services/tap/examples.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <set>

namespace meles::services::tap {

namespace {

size_t indent_of(std::string_view line) {
	size_t n = 0;
	while (n < line.size() && (line[n] == ' ' || line[n] == '\t'))
		++n;
	return n;
}

// Inline markup of a paragraph: ``literal`` and :taptable:`name` (DaCHS's role for tables).
std::string inline_html(std::string_view text, std::vector<std::string>& tables) {
	std::string out;
	size_t i = 0;
	while (i < text.size()) {
		if (text.substr(i).starts_with(":taptable:`")) {
			size_t start = i + 11, end = text.find('`', start);
			if (end != std::string_view::npos) {
				std::string name(text.substr(start, end - start));
				tables.push_back(name);
				out += "<code property=\"table\">";
				append_xml_escaped(out, name);
				out += "</code>";
				i = end + 1;
				continue;
			}
		}
		if (text.substr(i).starts_with("``")) {
			size_t end = text.find("``", i + 2);
			if (end != std::string_view::npos) {
				out += "<code>";
				append_xml_escaped(out, text.substr(i + 2, end - i - 2));
				out += "</code>";
				i = end + 2;
				continue;
			}
		}
		append_xml_escaped(out, text.substr(i, 1));
		++i;
	}
	return out;
}

std::string make_id(const std::string& title) {
	std::string id;
	for (char c : to_lower(title)) {
		if (std::isalnum(static_cast<unsigned char>(c)))
			id += c;
		else if (!id.empty() && id.back() != '-')
			id += '-';
	}
	while (!id.empty() && id.back() == '-')
		id.pop_back();
	if (id.empty() || !std::isalpha(static_cast<unsigned char>(id[0]))) id = "ex-" + id;
	return id;
}

} // namespace

TapExample parse_example(const std::string& title, const std::string& text) {
	TapExample ex;
	ex.title = normalize_space(title);
	ex.id = make_id(ex.title.empty() ? "example" : ex.title);
	auto lines = split(text, '\n');
	std::string paragraph;
	auto end_paragraph = [&] {
		std::string p = normalize_space(paragraph);
		if (!p.empty()) ex.body_html += concat("<p>", inline_html(p, ex.tables), "</p>\n");
		paragraph.clear();
	};
	for (size_t i = 0; i < lines.size(); ++i) {
		std::string_view line = lines[i];
		auto t = trim(line);
		if (t.starts_with(".. tapquery::") || t.starts_with(".. query::")) {
			end_paragraph();
			size_t base = indent_of(line);
			std::vector<std::string_view> block;
			size_t j = i + 1;
			for (; j < lines.size(); ++j) {
				std::string_view l = lines[j];
				if (trim(l).empty()) {
					block.push_back("");
					continue;
				}
				if (indent_of(l) <= base) break;
				block.push_back(l);
			}
			size_t strip = SIZE_MAX;
			for (auto b : block)
				if (!trim(b).empty()) strip = std::min(strip, indent_of(b));
			std::string q;
			for (auto b : block)
				q += concat(b.size() >= strip && strip != SIZE_MAX ? b.substr(strip) : trim(b), "\n");
			if (ex.query.empty()) ex.query = std::string(trim(q));
			i = j - 1;
			continue;
		}
		if (t.empty())
			end_paragraph();
		else
			paragraph += concat(" ", t);
	}
	end_paragraph();
	return ex;
}

std::vector<TapExample> collect_examples(rd::RdStore& store, const std::vector<std::string>& rd_ids) {
	std::vector<TapExample> out;
	std::set<std::string> ids;
	for (auto& rd_id : rd_ids) {
		std::shared_ptr<const rd::Resource> rd;
		try {
			rd = store.get(rd_id);
		} catch (const Error& e) {
			log::debug(concat("TAP examples: RD ", rd_id, " not loadable: ", e.message()));
			continue;
		}
		auto add = [&](const rd::MetaBag& bag) {
			for (auto* v : bag.all("_example")) {
				auto t = v->attributes.find("title");
				TapExample ex = parse_example(t == v->attributes.end() ? "" : t->second, v->content);
				std::string base = ex.id;
				for (int n = 2; !ids.insert(ex.id).second; ++n)
					ex.id = concat(base, "-", std::to_string(n));
				out.push_back(std::move(ex));
			}
		};
		add(rd->meta);
		for (auto& s : rd->services)
			add(s.meta);
	}
	return out;
}

std::string examples_document(const std::vector<TapExample>& examples, const std::string& service_url) {
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
	                  "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\n"
	                  "<title>Example queries</title>\n</head>\n"
	                  "<body vocab=\"http://www.ivoa.net/rdf/examples#\">\n<h1>Example queries for ";
	append_xml_escaped(out, service_url);
	out += "</h1>\n";
	for (auto& ex : examples) {
		out += concat("<div typeof=\"example\" id=\"", ex.id, "\" resource=\"#", ex.id,
		              "\">\n<h2 property=\"name\">");
		append_xml_escaped(out, ex.title.empty() ? ex.id : ex.title);
		out += "</h2>\n";
		out += ex.body_html;
		if (!ex.query.empty()) {
			out += "<pre property=\"query\">";
			append_xml_escaped(out, ex.query);
			out += "</pre>\n";
		}
		out += "</div>\n";
	}
	out += "</body>\n</html>\n";
	return out;
}

} // namespace meles::services::tap
