#include "meles/services/rdsvc/python_core_service.hpp"

#include "form/html_table_writer.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/python/rd_code.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/router/router.hpp"

#include <cmath>
#include <cstdlib>

namespace meles::services {

namespace ex = meles::rd::expr;

namespace {

// Days from 0001-01-01 to 2000-01-01 (Python's date ordinals, which expression values count in).
constexpr std::int64_t kDays0001To2000 = 730119;

const std::vector<rd::InputKey>& input_keys(const rd::ServiceDef& s) {
	return s.core->input_keys.empty() ? s.input_keys : s.core->input_keys;
}

// One request value typed as its input key declares.
ex::Value typed(const rd::InputKey& key, const std::string& text) {
	const SqlType& t = key.column.meta.type;
	const std::string& name = key.column.meta.name;
	std::string s(trim(text));
	auto bad = [&](const char* what) {
		return Error(ErrorKind::Validation, concat("parameter ", name, ": '", s, "' is not ", what));
	};
	if (t.is_integer() && !t.is_array) {
		char* end = nullptr;
		long long v = std::strtoll(s.c_str(), &end, 10);
		if (s.empty() || *end) throw bad("an integer");
		return ex::Value::integer(v);
	}
	if (t.is_numeric() && !t.is_array) {
		char* end = nullptr;
		double v = std::strtod(s.c_str(), &end);
		if (s.empty() || *end) throw bad("a number");
		return ex::Value::real(v);
	}
	if (t.base == BaseType::Boolean && !t.is_array) {
		std::string l = to_lower(s);
		if (l == "true" || l == "1" || l == "yes" || l == "on" || l == "t") return ex::Value::boolean(true);
		if (l == "false" || l == "0" || l == "no" || l == "off" || l == "f") return ex::Value::boolean(false);
		throw bad("a boolean");
	}
	return ex::Value::str(text);
}

rd::python::CoreInput core_input(const rd::ServiceDef& service, const Params& p) {
	rd::python::CoreInput in;
	for (auto& [k, v] : p.all())
		in.raw_args[k].push_back(v);
	for (auto& key : input_keys(service)) {
		const std::string& name = key.column.meta.name;
		std::vector<std::string> given;
		for (auto& v : p.get_all(name))
			if (!trim(v).empty()) given.push_back(v);
		if (given.empty() && key.value && !trim(*key.value).empty()) given.push_back(*key.value);
		if (given.empty()) {
			if (key.column.meta.required)
				throw Error(ErrorKind::Validation, concat("missing parameter ", name, " (required)"));
			in.params[name] = ex::Value::none();
			continue;
		}
		if (key.multiplicity == "multiple") {
			std::vector<ex::Value> items;
			for (auto& g : given)
				items.push_back(typed(key, g));
			in.params[name] = ex::Value::list(std::move(items));
		} else {
			in.params[name] = typed(key, given.back());
		}
	}
	if (auto f = p.get("RESPONSEFORMAT")) in.format = *f;
	if (auto m = p.get("MAXREC")) {
		char* end = nullptr;
		long long v = std::strtoll(m->c_str(), &end, 10);
		if (m->empty() || *end || v < 0)
			throw Error(ErrorKind::Validation,
			            concat("MAXREC must be a non-negative integer, not '", *m, "'"));
		in.limit = v;
	}
	return in;
}

// One cell as the column's type wants it; values that do not fit the type go out as text
// only in text columns, else they are an error of the service's code.
void write_cell(formats::TableWriter& w, const ColumnMeta& col, const ex::Value& v) {
	const SqlType& t = col.type;
	if (v.is_none() || v.is_missing() ||
	    (v.kind() == ex::Kind::Float && std::isnan(v.as_float()) && t.is_string())) {
		w.null();
		return;
	}
	if (t.is_string() || t.is_geometry() || t.base == BaseType::SMoc) {
		w.string(v.kind() == ex::Kind::Str ? std::string(v.as_str()) : v.str_text());
		return;
	}
	switch (v.kind()) {
	case ex::Kind::Bool:
		if (t.base == BaseType::Boolean)
			w.boolean(v.truthy());
		else
			w.int64(v.as_int());
		return;
	case ex::Kind::Int:
		w.int64(v.as_int());
		return;
	case ex::Kind::Float:
		w.float64(v.as_float());
		return;
	case ex::Kind::DateTime:
		w.timestamp(v.as_int() - kDays0001To2000 * 86400LL * 1000000LL);
		return;
	case ex::Kind::Date:
		w.date(static_cast<std::int32_t>(v.as_int() - kDays0001To2000));
		return;
	case ex::Kind::List:
	case ex::Kind::Tuple: {
		std::vector<double> d;
		for (auto& x : v.items())
			d.push_back(x.is_none() ? std::nan("") : x.number());
		w.array(std::span<const double>(d));
		return;
	}
	default:
		throw Error(ErrorKind::Validation, concat("column ", col.name, ": the coreProc returned ", v.repr(),
		                                          ", which is no ", t.rd_name()));
	}
}

void write_table(formats::TableWriter& w, const rd::python::CoreOutput& out, const std::string& name) {
	formats::TableHeader h;
	h.columns = out.columns;
	h.table_name = name;
	w.begin(h);
	for (auto& row : out.rows) {
		w.begin_row();
		for (size_t c = 0; c < out.columns.size(); ++c)
			write_cell(w, out.columns[c], c < row.size() ? row[c] : ex::Value::none());
		w.end_row();
	}
}

std::string input_form(const rd::ServiceDef& service, const Params& p) {
	std::string form = "<form method=\"get\">\n";
	for (auto& key : input_keys(service)) {
		const auto& m = key.column.meta;
		std::string value = p.get(m.name).value_or(key.value.value_or(""));
		form += concat("<label>", xml_escape(m.tablehead.empty() ? m.name : m.tablehead), " <input name=\"",
		               xml_escape(m.name), "\" value=\"", xml_escape(value), "\"></label>",
		               m.description.empty() ? "" : concat(" <small>", xml_escape(m.description), "</small>"),
		               "<br>\n");
	}
	return form + "<button>Go</button></form>\n";
}

} // namespace

bool is_python_core_service(const rd::ServiceDef& service) {
	return service.core && service.core->type == "pythonCore";
}

void python_core_request(const Config& config, const std::shared_ptr<const rd::Resource>& rd,
                         const rd::ServiceDef& service, const std::string& renderer, net::Request& request,
                         net::Response& response) {
	Params p = Params::from_request(request, {});
	std::string title = rd->meta_text("title", &service.meta);
	if (renderer == "form") {
		std::string body = concat("<h1>", xml_escape(title), "</h1>\n<p>",
		                          xml_escape(normalize_space(rd->meta_text("description", &service.meta))),
		                          "</p>\n", input_form(service, p));
		response.set_header("Content-Type", "text/html; charset=utf-8");
		if (p.all().empty()) {
			response.send(html_page(title, body));
			return;
		}
		rd::python::CoreOutput out;
		try {
			out = rd::python::run_core(rd, service, core_input(service, p));
		} catch (const Error& e) {
			if (e.kind() == ErrorKind::Internal)
				log::error(concat("pythonCore ", rd->rd_id, "/", service.id, ": ", e.full_message()));
			else
				log::info(concat("pythonCore ", rd->rd_id, "/", service.id, ": ", e.full_message()));
			response.send(html_page(
			    title, body + concat("<p class=\"error\">", xml_escape(public_message(e)), "</p>")));
			return;
		}
		if (out.is_data) {
			response.set_header("Content-Type", out.mime);
			response.send(out.data);
			return;
		}
		ByteSink& sink = response.stream();
		std::string page = html_page(title, body);
		auto cut = page.find("</body>");
		sink.write(page.substr(0, cut));
		auto writer = make_html_table_writer(sink);
		try {
			write_table(*writer, out, service.id);
			writer->finish(formats::EndStatus::Ok);
		} catch (const Error& e) {
			writer->finish(formats::EndStatus::Error, public_message(e));
		}
		sink.write(page.substr(cut));
		response.finish();
		return;
	}
	// api (and any other renderer the service allows): a DALI-style answer.
	std::unique_ptr<formats::TableWriter> writer;
	try {
		auto in = core_input(service, p);
		const formats::OutputFormatInfo* fmt =
		    &formats::output_format_info(formats::OutputFormat::VOTableBinary2);
		if (auto rf = p.get("RESPONSEFORMAT"); rf && !rf->empty()) {
			fmt = formats::find_output_format(*rf);
			if (!fmt) throw Error(ErrorKind::Validation, concat("unknown RESPONSEFORMAT '", *rf, "'"));
		}
		auto out = rd::python::run_core(rd, service, in);
		if (out.is_data) {
			response.set_header("Content-Type", out.mime);
			response.send(out.data);
			return;
		}
		response.set_header("Content-Type", std::string(fmt->mime));
		formats::WriterOptions wo;
		wo.votable_version = "1.4";
		wo.spool_dir = config.get_path("general", "tmpDir");
		writer = formats::make_table_writer(fmt->format, response.stream(), wo);
		write_table(*writer, out, service.id);
		writer->finish(formats::EndStatus::Ok);
		response.finish();
	} catch (const Error& e) {
		if (e.kind() == ErrorKind::Internal)
			log::error(concat("pythonCore ", rd->rd_id, "/", service.id, ": ", e.full_message()));
		else
			log::info(concat("pythonCore ", rd->rd_id, "/", service.id, ": ", e.full_message()));
		if (writer && response.headers_sent()) {
			writer->finish(formats::EndStatus::Error, public_message(e));
			response.finish();
			return;
		}
		if (response.headers_sent()) throw;
		response.set_status(http_status(e.kind()));
		response.set_header("Content-Type", "application/x-votable+xml");
		response.send(dali_error_document(e));
	}
}

} // namespace meles::services
