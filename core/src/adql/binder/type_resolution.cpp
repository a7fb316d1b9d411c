#include "adql/binder/type_resolution.hpp"

namespace meles::adql {

void resolve_common_type(const std::vector<const ValueInfo*>& values, ValueInfo& out) {
	bool any_double = false, any_real = false, any_numeric = false, all_numeric = true, all_string = true;
	bool same_string = true;
	const ValueInfo* first = nullptr;
	BaseType widest_int = BaseType::SmallInt;
	for (const ValueInfo* v : values) {
		if (!v->known) continue;
		if (!first) first = v;
		all_numeric &= v->type.is_numeric();
		all_string &= v->type.is_string();
		if (v->type.is_string() && first->type.is_string() && !(v->type == first->type)) same_string = false;
		if (!v->type.is_numeric()) continue;
		if (v->pg_numeric)
			any_numeric = true;
		else if (v->type.base == BaseType::Double)
			any_double = true;
		else if (v->type.base == BaseType::Real)
			any_real = true;
		else if (v->type.base == BaseType::BigInt ||
		         (v->type.base == BaseType::Integer && widest_int == BaseType::SmallInt))
			widest_int = v->type.base;
	}
	if (!first) return;
	if (all_numeric) {
		// float8 is the preferred numeric type; otherwise the type all others convert to
		// implicitly: float4 <- numeric <- bigint <- integer <- smallint
		out.pg_numeric = false;
		if (any_double)
			out.type = SqlType{BaseType::Double};
		else if (any_real)
			out.type = SqlType{BaseType::Real};
		else if (any_numeric)
			out.type = SqlType{BaseType::Double}, out.pg_numeric = true;
		else
			out.type = SqlType{widest_int};
	} else if (all_string && !same_string) {
		out.type = SqlType{BaseType::Text, 0};
	}
}

} // namespace meles::adql
