#include "meles/core/adql/features.hpp"

#include "adql/functions/function_table.hpp"

namespace meles::adql {

const std::vector<LanguageFeature>& language_features() {
	static const std::vector<LanguageFeature> features = [] {
		std::vector<LanguageFeature> out;
		namespace ft = feature_type;
		// Grouped by type, in the order of ADQL 2.1 §4; functions come from the function table.
		for (std::string_view type : {ft::geometry, ft::string}) {
			for (const auto& f : function_table())
				if (f.feature_type == type) out.push_back({type, f.form, f.description});
			if (type == ft::string) out.push_back({type, "ILIKE", "Case-insensitive LIKE"});
		}
		out.push_back({ft::common_table, "WITH", ""});
		out.push_back({ft::sets, "UNION", ""});
		out.push_back({ft::sets, "EXCEPT", ""});
		out.push_back({ft::sets, "INTERSECT", ""});
		out.push_back({ft::type, "CAST",
		               "To SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, CHAR(n), VARCHAR(n), "
		               "TIMESTAMP, and from DALI strings to POINT, CIRCLE, POLYGON"});
		// COALESCE (features-adql-conditional) works but is not declared: Debian's taplint
		// (STILTS 3.4.7) rejects that feature type as unknown.
		for (std::string_view type : {ft::unit})
			for (const auto& f : function_table())
				if (f.feature_type == type) out.push_back({type, f.form, f.description});
		out.push_back({ft::offset, "OFFSET", ""});
		for (const auto& f : function_table())
			if (f.feature_type == ft::udf) out.push_back({ft::udf, f.form, f.description});
		return out;
	}();
	return features;
}

} // namespace meles::adql
