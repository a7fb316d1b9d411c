// Where the loader meets RD code: which site an application belongs to, syntax checks.
// Whether a site runs is decided by meles/rd/python (site_info), not here.
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/parse/macros.hpp"
#include "meles/rd/python/rd_code.hpp"

namespace meles::rd::parse {

python::Site site_of_application(std::string_view element) {
	using python::Site;
	if (element == "apply") return Site::Apply;
	if (element == "rowfilter") return Site::Rowfilter;
	if (element == "sourceFields") return Site::SourceFields;
	if (element == "iterator" || element == "pargetter") return Site::EmbeddedGrammar;
	if (element == "phraseMaker") return Site::PhraseMaker;
	if (element == "coreProc") return Site::PythonCore;
	if (element == "job") return Site::ExecuteJob;
	if (element == "descriptorGenerator" || element == "metaMaker" || element == "dataFunction" ||
	    element == "dataFormatter")
		return Site::Datalink;
	if (element == "processEarly" || element == "processLate") return Site::MixinProc;
	return Site::Apply;
}

namespace {

// Row macros (\srcstem, \inputRelativePath, ...) stay in the code until the importer expands
// them per source; for the syntax check they become Python literals of a stand-in source, on
// the same line (so positions stay right).
std::string with_stand_in_row_macros(const std::string& text, const SourcePos& pos) {
	if (row_macros_in(text).empty()) return text;
	try {
		return expand_row_macros(text, stand_in_row_macro_context(), RowMacroRendering::PythonLiteral, pos);
	} catch (const Error&) {
		return text; // the macro's own problem is reported where it is expanded
	}
}

} // namespace

void check_python(ParseContext& ctx, const PythonCode& code, python::CodeShape shape,
                  std::string_view at_dict) {
	if (code.empty() || ctx.options.is_system) return;
	if (auto err =
	        python::check_code(with_stand_in_row_macros(code.text, code.pos), code.pos, shape, at_dict))
		ctx.error(err->pos() ? *err->pos() : code.pos, err->message(), ErrorKind::Syntax);
}

void check_application_code(ParseContext& ctx, const ApplyDef& a, std::string_view what) {
	bool own_code = (a.code && !a.code->empty()) || (a.setup_code && !a.setup_code->empty());
	if (!own_code) return;
	python::Site site = site_of_application(a.element);
	if (!python::site_info(site).runs) ctx.warning(a.pos, python::kept_message(site, what));
	std::string_view at = a.element == "apply" ? "vars" : a.element == "rowfilter" ? "row" : "";
	if (a.code) check_python(ctx, *a.code, python::CodeShape::FunctionBody, at);
	if (a.setup_code) check_python(ctx, *a.setup_code, python::CodeShape::Statements);
}

python::LoadHooks load_hooks(ParseContext& ctx, const SourcePos& pos) {
	python::LoadHooks h;
	h.rd_id = ctx.rd.rd_id;
	h.resolve = [&ctx, pos](std::string_view ref) {
		python::Resolved r;
		std::string s(trim(ref));
		auto hash = s.find('#');
		std::string local = hash == std::string::npos ? s : s.substr(hash + 1);
		if (local.find('.') != std::string::npos)
			r.column = resolve_column_ref(ctx, s, pos, nullptr, nullptr);
		else
			r.table = resolve_table_ref(ctx, s, pos);
		return r;
	};
	return h;
}

} // namespace meles::rd::parse
