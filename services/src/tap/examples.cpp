// The reStructuredText subset of DaCHS example metas, rendered to XHTML with DALI RDFa.
// Anything outside the subset degrades to escaped text, never to broken markup: the page
// must stay well-formed XML for clients such as TOPCAT and taplint.
#include "meles/services/tap/examples.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace meles::services::tap {
namespace {

struct Line {
	size_t indent = 0;
	std::string text; // without the indentation
	bool blank() const { return text.empty(); }
};

std::vector<Line> split_lines(const std::string& text) {
	std::vector<Line> out;
	for (auto raw : split(text, '\n')) {
		std::string expanded;
		for (char c : raw) {
			if (c == '\t')
				expanded.append(8 - expanded.size() % 8, ' ');
			else if (c != '\r')
				expanded += c;
		}
		Line l;
		size_t i = expanded.find_first_not_of(' ');
		if (i != std::string::npos) {
			l.indent = i;
			l.text = expanded.substr(i);
			while (!l.text.empty() && l.text.back() == ' ')
				l.text.pop_back();
		}
		out.push_back(std::move(l));
	}
	return out;
}

// Literal text of lines[from, to): common indentation and blank lines at both ends removed.
std::string literal(const std::vector<Line>& lines, size_t from, size_t to) {
	while (from < to && lines[from].blank())
		++from;
	while (to > from && lines[to - 1].blank())
		--to;
	size_t common = std::string::npos;
	for (size_t i = from; i < to; ++i)
		if (!lines[i].blank()) common = std::min(common, lines[i].indent);
	std::string out;
	for (size_t i = from; i < to; ++i) {
		if (i > from) out += '\n';
		if (!lines[i].blank()) out += std::string(lines[i].indent - common, ' ') + lines[i].text;
	}
	return out;
}

// ".. name:: argument" → name; "" for other lines (a bare ".. text" is a comment).
std::string directive_name(const Line& l) {
	if (!(l.text).starts_with(".. ")) return "";
	auto end = l.text.find("::");
	if (end == std::string::npos) return "";
	std::string name = l.text.substr(3, end - 3);
	for (char c : name)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return "";
	return to_lower(name);
}

bool is_query_directive(const std::string& name) {
	return name == "tapquery" || name == "query";
}

bool is_comment(const Line& l) {
	return l.text == ".." || ((l.text).starts_with(".. ") && directive_name(l).empty());
}

bool is_bullet(const Line& l) {
	return l.text.size() >= 2 && (l.text[0] == '-' || l.text[0] == '*' || l.text[0] == '+') &&
	       l.text[1] == ' ';
}

// The end of a block indented deeper than `indent` starting at `i` (blank lines inside it
// belong to it).
size_t indented_end(const std::vector<Line>& lines, size_t i, size_t indent) {
	size_t end = i;
	for (size_t j = i; j < lines.size(); ++j) {
		if (lines[j].blank()) continue;
		if (lines[j].indent <= indent) break;
		end = j + 1;
	}
	return end;
}

class Renderer {
public:
	explicit Renderer(const std::string& tables_url) : tables_url_(tables_url) {}

	std::string inline_markup(std::string_view s) const {
		std::string out;
		size_t p = 0;
		auto at_word_start = [&](size_t i) {
			return i == 0 || std::string_view(" \t(\"'[{<-/:").find(s[i - 1]) != std::string_view::npos;
		};
		while (p < s.size()) {
			char c = s[p];
			if (c == '`' && s.substr(p, 2) == "``" && at_word_start(p)) {
				auto e = s.find("``", p + 2);
				if (e != std::string_view::npos) {
					out += concat("<code>", xml_escape(s.substr(p + 2, e - p - 2)), "</code>");
					p = e + 2;
					continue;
				}
			}
			if (c == ':' && at_word_start(p)) {
				auto colon = s.find(':', p + 1);
				if (colon != std::string_view::npos && colon + 1 < s.size() && s[colon + 1] == '`') {
					auto role = s.substr(p + 1, colon - p - 1);
					auto e = s.find('`', colon + 2);
					bool name_ok = !role.empty() && role.find(' ') == std::string_view::npos;
					if (name_ok && e != std::string_view::npos) {
						out += role_markup(to_lower(role), s.substr(colon + 2, e - colon - 2));
						p = e + 1;
						continue;
					}
				}
			}
			if (c == '`' && at_word_start(p)) {
				auto e = s.find('`', p + 1);
				if (e != std::string_view::npos) {
					auto inner = s.substr(p + 1, e - p - 1);
					size_t after = e + 1;
					while (after < s.size() && s[after] == '_')
						++after;
					auto lt = inner.rfind('<');
					if (after > e + 1 && lt != std::string_view::npos && inner.back() == '>') {
						auto label = trim(inner.substr(0, lt));
						auto url = inner.substr(lt + 1, inner.size() - lt - 2);
						out += concat("<a href=\"", xml_escape(url), "\">",
						              xml_escape(label.empty() ? url : label), "</a>");
					} else {
						out += concat("<em>", xml_escape(inner), "</em>");
					}
					p = after;
					continue;
				}
			}
			if (c == '*' && at_word_start(p)) {
				bool strong = s.substr(p, 2) == "**";
				size_t open = strong ? 2 : 1;
				auto e = s.find(strong ? "**" : "*", p + open);
				if (e != std::string_view::npos && e > p + open && s[p + open] != ' ') {
					const char* tag = strong ? "strong" : "em";
					out +=
					    concat("<", tag, ">", xml_escape(s.substr(p + open, e - p - open)), "</", tag, ">");
					p = e + open;
					continue;
				}
			}
			if (c == '\\' && p + 1 < s.size()) ++p; // reST escape: the next character is literal
			append_xml_escaped(out, s.substr(p, 1));
			++p;
		}
		return out;
	}

	// Block-level rendering of lines[from, to); the query blocks are collected.
	std::string blocks(const std::vector<Line>& lines, size_t from, size_t to) {
		std::string out;
		size_t i = from;
		while (i < to) {
			const Line& l = lines[i];
			if (l.blank()) {
				++i;
				continue;
			}
			if (auto name = directive_name(l); !name.empty()) {
				size_t end = std::min(indented_end(lines, i + 1, l.indent), to);
				if (is_query_directive(name)) {
					queries.push_back(literal(lines, i + 1, end));
					out += concat("<pre class=\"dachs-ex-tapquery\" property=\"query\">",
					              xml_escape(queries.back()), "</pre>\n");
				} else if (name == "code" || name == "code-block" || name == "sourcecode") {
					out += concat("<pre>", xml_escape(literal(lines, i + 1, end)), "</pre>\n");
				} else if (name == "note" || name == "warning" || name == "hint" || name == "tip" ||
				           name == "important") {
					out += concat("<div class=\"", name, "\">\n", blocks(lines, i + 1, end), "</div>\n");
				} // other directives (images, figures, ...) have no place on this page
				i = end;
				continue;
			}
			if (is_comment(l)) {
				i = std::min(indented_end(lines, i + 1, l.indent), to);
				continue;
			}
			if (is_bullet(l)) {
				out += "<ul>\n";
				size_t indent = l.indent;
				while (i < to && !lines[i].blank() && lines[i].indent == indent && is_bullet(lines[i])) {
					std::string item = lines[i].text.substr(2);
					size_t end = std::min(indented_end(lines, i + 1, indent), to);
					for (size_t j = i + 1; j < end; ++j)
						if (!lines[j].blank()) item += " " + lines[j].text;
					out += concat("<li>", inline_markup(item), "</li>\n");
					i = end;
					while (i < to && lines[i].blank())
						++i;
				}
				out += "</ul>\n";
				continue;
			}
			// a paragraph: up to a blank line or a line that starts another block
			std::string text = l.text;
			size_t j = i + 1;
			while (j < to && !lines[j].blank() && directive_name(lines[j]).empty())
				text += " " + lines[j++].text;
			bool literal_follows = (text).ends_with("::");
			if (literal_follows) {
				text.resize(text.size() - 1); // "text::" shows as "text:"
				if (text == ":" || (text).ends_with(" :"))
					text = std::string(trim(text.substr(0, text.size() - 1)));
			}
			if (!text.empty()) out += concat("<p>", inline_markup(text), "</p>\n");
			i = j;
			if (literal_follows) {
				while (i < to && lines[i].blank())
					++i;
				size_t end = std::min(indented_end(lines, i, l.indent), to);
				if (end > i) out += concat("<pre>", xml_escape(literal(lines, i, end)), "</pre>\n");
				i = std::max(i, end);
			}
		}
		return out;
	}

	std::vector<std::string> queries;

private:
	std::string role_markup(const std::string& role, std::string_view text) const {
		if (role == "taptable")
			// In RDFa a property on a link would take the href as its value; the table name
			// is what clients (taplint's EXA stage, TOPCAT) expect.
			return concat("<a href=\"", xml_escape(tables_url_), "/", xml_escape(text),
			              "\"><span property=\"table\">", xml_escape(text), "</span></a>");
		if (role == "bibcode")
			return concat("<a href=\"https://ui.adsabs.harvard.edu/abs/", xml_escape(text), "\">",
			              xml_escape(text), "</a>");
		if (role == "doi")
			return concat("<a href=\"https://doi.org/", xml_escape(text), "\">", xml_escape(text), "</a>");
		if (role == "genparam") {
			// DaCHS's "name(value)" notation of a generic parameter for DataLink examples.
			auto open = text.find('(');
			if (open != std::string_view::npos && text.back() == ')')
				return concat(
				    "<span property=\"generic-parameter\" typeof=\"keyval\"><code property=\"key\">",
				    xml_escape(text.substr(0, open)), "</code>=<code property=\"value\">",
				    xml_escape(text.substr(open + 1, text.size() - open - 2)), "</code></span>");
		}
		return concat("<code>", xml_escape(text), "</code>");
	}

	std::string tables_url_;
};

std::string slug(const std::string& title) {
	std::string out;
	for (char c : title) {
		if (std::isalnum(static_cast<unsigned char>(c)))
			out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		else if (!out.empty() && out.back() != '-')
			out += '-';
	}
	while (!out.empty() && out.back() == '-')
		out.pop_back();
	if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "ex-" + out;
	return out;
}

} // namespace

std::string example_query(const std::string& text) {
	Renderer r("");
	auto lines = split_lines(text);
	r.blocks(lines, 0, lines.size());
	return r.queries.empty() ? "" : r.queries.front();
}

std::string example_problem(const Example& example) {
	std::string problems;
	auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
	if (trim(example.title).empty()) add("the example has no title attribute");
	Renderer r("");
	auto lines = split_lines(example.text);
	r.blocks(lines, 0, lines.size());
	if (r.queries.empty())
		add("the example has no query (write it in a '.. tapquery::' block, indented below it)");
	else if (r.queries.size() > 1)
		add("the example has more than one query block; DALI examples carry one query each");
	else if (trim(r.queries.front()).empty())
		add("the example's query block is empty (indent the query below '.. tapquery::')");
	return problems;
}

std::string examples_page(const std::vector<Example>& examples, const std::string& tables_url,
                          const std::string& heading) {
	std::string body;
	std::set<std::string> ids;
	for (auto& ex : examples) {
		Renderer r(tables_url);
		auto lines = split_lines(ex.text);
		std::string html = r.blocks(lines, 0, lines.size());
		if (r.queries.size() != 1 || trim(r.queries.front()).empty()) continue;
		std::string id = slug(ex.title);
		for (int n = 2; ids.count(id); ++n)
			id = concat(slug(ex.title), "-", std::to_string(n));
		ids.insert(id);
		body += concat("<div typeof=\"example\" id=\"", id, "\" resource=\"#", id,
		               "\">\n<h2 property=\"name\">", xml_escape(ex.title), "</h2>\n", html, "</div>\n");
	}
	return concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
	              "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><title>",
	              xml_escape(heading),
	              "</title></head>\n<body vocab=\"http://www.ivoa.net/rdf/examples#\">\n<h1>",
	              xml_escape(heading), "</h1>\n", body, "</body></html>\n");
}

} // namespace meles::services::tap
