// Queries: WITH, SELECT with its clauses, set operations (operands always parenthesised),
// ORDER BY/LIMIT/OFFSET, FROM items and joins.
#include "adql/emit/emitter.hpp"
#include "adql/emit/sql_writer.hpp"

namespace meles::adql {

std::string Emitter::emit(const Statement& st, std::optional<int64_t> limit) {
	out_.clear();
	out_.reserve(512);
	if (!st.with.empty()) {
		out_ += "WITH ";
		bool first = true;
		for (const auto& ct : st.with) {
			if (!first) out_ += ", ";
			first = false;
			append_identifier(out_, ct.name.name, ct.name.delimited);
			out_ += " AS (";
			query(*ct.query, std::nullopt);
			out_ += ')';
		}
		out_ += ' ';
	}
	query(*st.query, limit);
	return std::move(out_);
}

void Emitter::query(const QueryNode& q, std::optional<int64_t> limit) {
	switch (q.kind) {
	case QueryKind::Select: {
		const auto& s = static_cast<const SelectNode&>(q);
		select(s, nullptr, limit ? limit : s.top);
		return;
	}
	case QueryKind::Ordered: {
		const auto& o = static_cast<const OrderedNode&>(q);
		if (o.body->kind == QueryKind::Select) {
			const auto& s = static_cast<const SelectNode&>(*o.body);
			select(s, &o, limit ? limit : s.top);
			return;
		}
		query(*o.body, std::nullopt);
		order_by(o, *o.body);
		if (limit) out_ += " LIMIT " + std::to_string(*limit);
		if (o.offset) out_ += " OFFSET " + std::to_string(*o.offset);
		return;
	}
	case QueryKind::SetOp: {
		const auto& s = static_cast<const SetOpNode&>(q);
		set_operand(*s.left);
		out_ += s.op == SetOpKind::Union ? " UNION " : s.op == SetOpKind::Except ? " EXCEPT " : " INTERSECT ";
		if (s.all) out_ += "ALL ";
		set_operand(*s.right);
		if (limit) out_ += " LIMIT " + std::to_string(*limit);
		return;
	}
	}
}

void Emitter::set_operand(const QueryNode& q) {
	out_ += '(';
	query(q, std::nullopt);
	out_ += ')';
}

void Emitter::select(const SelectNode& s, const OrderedNode* ordered, std::optional<int64_t> limit) {
	out_ += s.distinct ? "SELECT DISTINCT " : "SELECT ";
	for (size_t i = 0; i < s.outputs.size(); ++i) {
		if (i) out_ += ", ";
		output(s.outputs[i]);
	}
	out_ += " FROM ";
	for (size_t i = 0; i < s.from.size(); ++i) {
		if (i) out_ += ", ";
		table_ref(*s.from[i]);
	}
	if (s.where) {
		out_ += " WHERE ";
		expr(*s.where);
	}
	if (!s.group_by.empty()) {
		out_ += " GROUP BY ";
		for (size_t i = 0; i < s.group_by.size(); ++i) {
			if (i) out_ += ", ";
			expr(*s.group_by[i]);
		}
	}
	if (s.having) {
		out_ += " HAVING ";
		expr(*s.having);
	}
	if (ordered) order_by(*ordered, s);
	if (limit) out_ += " LIMIT " + std::to_string(*limit);
	if (ordered && ordered->offset) out_ += " OFFSET " + std::to_string(*ordered->offset);
}

void Emitter::order_by(const OrderedNode& o, const QueryNode& body) {
	if (o.order_by.empty()) return;
	out_ += " ORDER BY ";
	for (size_t i = 0; i < o.order_by.size(); ++i) {
		if (i) out_ += ", ";
		const OrderItem& item = o.order_by[i];
		if (item.position) {
			out_ += std::to_string(item.position);
		} else if (item.expr->kind == ExprKind::ColumnRef && as<ColumnRefExpr>(*item.expr).output_position) {
			const OutputColumn& oc =
			    body.outputs[static_cast<size_t>(as<ColumnRefExpr>(*item.expr).output_position - 1)];
			append_identifier(out_, oc.name, oc.delimited);
		} else {
			expr(*item.expr);
		}
		if (item.descending) out_ += " DESC";
	}
}

void Emitter::output(const OutputColumn& o) {
	if (o.column) {
		column(*o.column);
	} else if (o.expr->info.pg_numeric) {
		// make the database return the declared type (see ValueInfo::pg_numeric)
		out_ += "CAST(";
		expr(*o.expr);
		out_ += " AS ";
		sql_type(o.expr->info.type);
		out_ += ')';
	} else {
		expr(*o.expr);
	}
	if (o.needs_alias) {
		out_ += " AS ";
		append_identifier(out_, o.name, o.delimited);
	}
}

void Emitter::table_ref(const TableRef& t) {
	switch (t.kind) {
	case TableRefKind::Base: {
		const auto& b = static_cast<const BaseTableRef&>(t);
		const RangeVar& rv = *b.range;
		if (rv.table)
			out_ += rv.table->sql_name;
		else
			append_identifier(out_, rv.cte->name.name, rv.cte->name.delimited);
		out_ += " AS ";
		out_ += rv.sql_alias;
		if (!b.sample_percent.empty()) {
			out_ += " TABLESAMPLE SYSTEM (";
			out_ += b.sample_percent; // lexer-validated number
			out_ += ')';
		}
		return;
	}
	case TableRefKind::Derived: {
		const auto& d = static_cast<const DerivedTableRef&>(t);
		out_ += '(';
		query(*d.query, std::nullopt);
		out_ += ") AS ";
		out_ += d.range->sql_alias;
		return;
	}
	case TableRefKind::Join: {
		const auto& j = static_cast<const JoinRef&>(t);
		bool has_condition = j.on || !j.merged.empty();
		table_ref(*j.left);
		switch (j.type) {
		case JoinType::Inner:
			out_ += has_condition ? " JOIN " : " CROSS JOIN ";
			break;
		case JoinType::Left:
			out_ += " LEFT JOIN ";
			break;
		case JoinType::Right:
			out_ += " RIGHT JOIN ";
			break;
		case JoinType::Full:
			out_ += " FULL JOIN ";
			break;
		}
		bool nested = j.right->kind == TableRefKind::Join;
		if (nested) out_ += '(';
		table_ref(*j.right);
		if (nested) out_ += ')';
		if (j.on) {
			out_ += " ON ";
			expr(*j.on);
		} else if (!j.merged.empty()) {
			out_ += " USING (";
			for (size_t i = 0; i < j.merged.size(); ++i) {
				if (i) out_ += ", ";
				append_identifier(out_, j.merged[i].first->name, j.merged[i].first->delimited);
			}
			out_ += ')';
		} else if (j.type != JoinType::Inner) {
			out_ += " ON TRUE";
		}
		return;
	}
	}
}

} // namespace meles::adql
