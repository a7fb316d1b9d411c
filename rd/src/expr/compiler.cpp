// Lowers the syntax tree to executable nodes: resolves names to slots and functions,
// folds constants, picks specialised nodes for the common shapes, and implements the
// public Expression/Scope API.
#include "expr/ast.hpp"
#include "expr/nodes.hpp"
#include "expr/object.hpp"
#include "meles/rd/expr/expression.hpp"
#include "meles/rd/expr/helpers.hpp"
#include "meles/core/common/suggest.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace meles::rd::expr {

using ast::Cmp;
using ast::K;
using detail::Frame;
using detail::Node;
using detail::NodePtr;

namespace {

// Annotates errors with the failing node's position (zero cost when nothing is thrown).
#define GUARDED(...)                                                                                         \
	try {                                                                                                    \
		__VA_ARGS__                                                                                          \
	} catch (ExprError & e) {                                                                                \
		if (e.expr_offset() < 0) e.set_expr_offset(pos_);                                                    \
		throw;                                                                                               \
	}

// ---------------------------------------------------------------- leaves

// A copy that shares no heap object with anything else, so that the constant node owns
// its objects outright: they are immortal while the node lives and freed with it.
Value private_copy(const Value& v) {
	switch (v.kind()) {
	case Kind::Str:
		return Value::str(std::string(v.as_str()));
	case Kind::Bytes:
		return Value::bytes(std::string(v.as_str()));
	case Kind::List:
	case Kind::Tuple: {
		std::vector<Value> items;
		for (const auto& it : v.items())
			items.push_back(private_copy(it));
		return v.kind() == Kind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
	}
	case Kind::Set: {
		std::vector<Value> items;
		for (const auto& it : v.items())
			items.push_back(private_copy(it));
		return Value::set(std::move(items));
	}
	case Kind::Dict: {
		std::vector<std::pair<Value, Value>> items;
		for (std::size_t i = 0; i < v.dict_keys().size(); ++i)
			items.emplace_back(private_copy(v.dict_keys()[i]), private_copy(v.dict_values()[i]));
		return Value::dict(std::move(items));
	}
	case Kind::Match: {
		auto* m = new detail::MatchObj(*static_cast<const detail::MatchObj*>(v.heap()));
		m->refs = 1;
		m->immortal = false;
		return ValueAccess::wrap(m);
	}
	default:
		return v;
	}
}

class ConstNode final : public Node {
public:
	ConstNode(int pos, const Value& v) : Node(pos), v_(private_copy(v)) { v_.make_immortal(); }
	~ConstNode() override { v_.make_mortal(); }
	Value eval(Frame&) const override { return v_; }
	bool test(Frame&) const override { return v_.truthy(); }
	std::string plan() const override { return "const"; }
	bool is_const() const override { return true; }
	const Value& value() const { return v_; }

private:
	Value v_;
};

const ConstNode* const_node(const NodePtr& n) {
	return dynamic_cast<const ConstNode*>(n.get());
}

class FieldNode final : public Node {
public:
	FieldNode(int pos, int slot, std::string name) : Node(pos), slot_(slot), name_(std::move(name)) {}
	Value eval(Frame& f) const override {
		const Value& v = f.slots[slot_];
		if (v.is_missing()) missing();
		return v;
	}
	bool test(Frame& f) const override {
		const Value& v = f.slots[slot_];
		if (v.is_missing()) missing();
		return v.truthy();
	}
	std::string plan() const override { return "@" + name_; }
	int slot() const { return slot_; }
	const std::string& name() const { return name_; }

private:
	[[noreturn]] void missing() const {
		ExprError e(PyExc::KeyError, Value::str(name_).repr());
		e.set_expr_offset(pos_);
		throw e;
	}
	int slot_;
	std::string name_;
};

const FieldNode* as_field(const NodePtr& n) {
	return dynamic_cast<const FieldNode*>(n.get());
}

class VarNode final : public Node {
public:
	VarNode(int pos, int slot, std::string name) : Node(pos), slot_(slot), name_(std::move(name)) {}
	Value eval(Frame& f) const override {
		const Value& v = f.slots[slot_];
		if (v.is_missing()) {
			ExprError e(PyExc::NameError, "name '" + name_ + "' is not defined");
			e.set_expr_offset(pos_);
			throw e;
		}
		return v;
	}
	std::string plan() const override { return name_; }

private:
	int slot_;
	std::string name_;
};

class LocalNode final : public Node {
public:
	LocalNode(int pos, int idx, std::string name) : Node(pos), idx_(idx), name_(std::move(name)) {}
	Value eval(Frame& f) const override { return f.locals[idx_]; }
	std::string plan() const override { return name_; }

private:
	int idx_;
	std::string name_;
};

// `"k" in vars` and `vars.get("k", default)`.
class FieldPresentNode final : public Node {
public:
	FieldPresentNode(int pos, int slot, bool in) : Node(pos), slot_(slot), in_(in) {}
	Value eval(Frame& f) const override { return Value::boolean(!f.slots[slot_].is_missing() == in_); }
	std::string plan() const override { return in_ ? "in vars" : "not in vars"; }

private:
	int slot_;
	bool in_;
};

class FieldGetNode final : public Node {
public:
	FieldGetNode(int pos, int slot, NodePtr dflt) : Node(pos), slot_(slot), dflt_(std::move(dflt)) {}
	Value eval(Frame& f) const override {
		const Value& v = f.slots[slot_];
		if (!v.is_missing()) return v;
		return dflt_ ? dflt_->eval(f) : Value();
	}
	std::string plan() const override { return "vars.get"; }

private:
	int slot_;
	NodePtr dflt_;
};

// ---------------------------------------------------------------- fast paths

// float(@x): parses the raw text directly.
class FloatFieldNode final : public Node {
public:
	FloatFieldNode(int pos, int slot, std::string name, bool as_int)
	    : Node(pos), slot_(slot), name_(std::move(name)), int_(as_int) {}
	Value eval(Frame& f) const override {
		const Value& v = f.slots[slot_];
		if (v.kind() == Kind::Str) {
			if (!int_) {
				double d;
				if (rt::parse_py_float(v.as_str(), d)) return Value::real(d);
			} else {
				std::int64_t i;
				bool overflow;
				if (rt::parse_py_int(v.as_str(), i, overflow) && !overflow) return Value::integer(i);
			}
		}
		if (v.is_missing()) {
			ExprError e(PyExc::KeyError, Value::str(name_).repr());
			e.set_expr_offset(pos_ + (int_ ? 4 : 6));
			throw e;
		}
		GUARDED(return int_ ? rt::to_int(v) : rt::to_float(v);)
	}
	std::string plan() const override { return std::string(int_ ? "int" : "float") + "(@" + name_ + ")"; }
	int slot() const { return slot_; }
	bool is_int() const { return int_; }

private:
	int slot_;
	std::string name_;
	bool int_;
};

// parseWithNull(@x, float|int|parseFloat|parseInt, <literal>[, <default>]).
class ParseWithNullNode final : public Node {
public:
	ParseWithNullNode(int pos, int slot, std::string name, const Builtin* parser, const Value& null_lit,
	                  const Value& dflt)
	    : Node(pos), slot_(slot), name_(std::move(name)), parser_(parser), null_(private_copy(null_lit)),
	      dflt_(private_copy(dflt)) {
		null_.make_immortal();
		dflt_.make_immortal();
	}
	~ParseWithNullNode() override {
		null_.make_mortal();
		dflt_.make_mortal();
		std::string_view n = parser_->name;
		float_ = n == "float" || n == "parseFloat";
		if (null_.kind() == Kind::Str) null_text_ = std::string(null_.as_str());
	}
	Value eval(Frame& f) const override {
		const Value& v = f.slots[slot_];
		if (v.kind() == Kind::Str) {
			std::string_view s = v.as_str();
			if (null_text_ && s == *null_text_) return dflt_;
			if (float_) {
				double d;
				if (rt::parse_py_float(s, d)) return Value::real(d);
			} else {
				std::int64_t i;
				bool overflow;
				if (rt::parse_py_int(s, i, overflow) && !overflow) return Value::integer(i);
			}
		}
		if (v.is_missing()) {
			ExprError e(PyExc::KeyError, Value::str(name_).repr());
			e.set_expr_offset(pos_);
			throw e;
		}
		if (v.is_none() || (!null_.is_missing() && py_equal(v, null_))) return dflt_;
		GUARDED(Value r = rt::call(parser_, Args(&v, 1), {}); return r.is_none() ? dflt_ : r;)
	}
	std::string plan() const override {
		return "parseWithNull(@" + name_ + ", " + std::string(parser_->name) + ", const)";
	}

private:
	int slot_;
	std::string name_;
	const Builtin* parser_;
	Value null_, dflt_;
	std::optional<std::string> null_text_;
	bool float_ = false;
};

// <expr> op <number constant>: float arithmetic without going through the generic path.
class NumOpConstNode final : public Node {
public:
	NumOpConstNode(int pos, rt::BinOp op, NodePtr left, Value k, bool const_left)
	    : Node(pos), op_(op), left_(std::move(left)), k_(std::move(k)), const_left_(const_left) {
		kd_ = k_.number();
		// float(@x) op k: parse the field right here (the most common map shape).
		if (auto* ff = dynamic_cast<const FloatFieldNode*>(left_.get()); ff && !ff->is_int())
			float_slot_ = ff->slot();
	}
	Value eval(Frame& f) const override {
		if (float_slot_ >= 0) {
			const Value& v = f.slots[float_slot_];
			double x;
			if (v.kind() == Kind::Str && rt::parse_py_float(v.as_str(), x) && defined(x))
				return Value::real(apply(x));
		}
		Value a = left_->eval(f);
		if (a.kind() == Kind::Float && defined(a.as_float())) return Value::real(apply(a.as_float()));
		GUARDED(return const_left_ ? rt::binary(op_, k_, a) : rt::binary(op_, a, k_);)
	}
	// Division by zero goes the generic way, which raises ZeroDivisionError.
	bool defined(double x) const { return op_ != rt::BinOp::Div || (const_left_ ? x != 0.0 : kd_ != 0.0); }
	double apply(double x) const {
		switch (op_) {
		case rt::BinOp::Add:
			return x + kd_;
		case rt::BinOp::Sub:
			return const_left_ ? kd_ - x : x - kd_;
		case rt::BinOp::Mul:
			return x * kd_;
		default:
			return const_left_ ? kd_ / x : x / kd_;
		}
	}
	std::string plan() const override {
		std::string sym(rt::binop_symbol(op_));
		return const_left_ ? "const" + sym + left_->plan() : left_->plan() + sym + "const";
	}

private:
	rt::BinOp op_;
	NodePtr left_;
	Value k_;
	double kd_;
	bool const_left_;
	int float_slot_ = -1;
};

// ---------------------------------------------------------------- operators

class BinOpNode final : public Node {
public:
	BinOpNode(int pos, rt::BinOp op, NodePtr l, NodePtr r)
	    : Node(pos), op_(op), l_(std::move(l)), r_(std::move(r)) {}
	Value eval(Frame& f) const override {
		Value a = l_->eval(f);
		Value b = r_->eval(f);
		GUARDED(return rt::binary(op_, a, b);)
	}
	std::string plan() const override {
		return "(" + l_->plan() + std::string(rt::binop_symbol(op_)) + r_->plan() + ")";
	}

private:
	rt::BinOp op_;
	NodePtr l_, r_;
};

class UnaryNode final : public Node {
public:
	UnaryNode(int pos, rt::UnOp op, NodePtr x) : Node(pos), op_(op), x_(std::move(x)) {}
	Value eval(Frame& f) const override {
		Value a = x_->eval(f);
		GUARDED(return rt::unary(op_, a);)
	}
	std::string plan() const override {
		return (op_ == rt::UnOp::Neg ? "-" : op_ == rt::UnOp::Pos ? "+" : "~") + x_->plan();
	}

private:
	rt::UnOp op_;
	NodePtr x_;
};

class NotNode final : public Node {
public:
	NotNode(int pos, NodePtr x) : Node(pos), x_(std::move(x)) {}
	Value eval(Frame& f) const override { return Value::boolean(!x_->test(f)); }
	bool test(Frame& f) const override { return !x_->test(f); }
	std::string plan() const override { return "not " + x_->plan(); }

private:
	NodePtr x_;
};

// `and`/`or` return the deciding operand, not a bool.
class BoolOpNode final : public Node {
public:
	BoolOpNode(int pos, bool is_and, std::vector<NodePtr> kids)
	    : Node(pos), and_(is_and), kids_(std::move(kids)) {}
	Value eval(Frame& f) const override {
		for (std::size_t i = 0; i + 1 < kids_.size(); ++i) {
			Value v = kids_[i]->eval(f);
			if (v.truthy() != and_) return v;
		}
		return kids_.back()->eval(f);
	}
	bool test(Frame& f) const override {
		for (const auto& k : kids_)
			if (k->test(f) != and_) return !and_;
		return and_;
	}
	std::string plan() const override {
		std::string s;
		for (std::size_t i = 0; i < kids_.size(); ++i)
			s += (i ? (and_ ? " and " : " or ") : "") + kids_[i]->plan();
		return "(" + s + ")";
	}

private:
	bool and_;
	std::vector<NodePtr> kids_;
};

bool compare_values(Cmp op, const Value& a, const Value& b) {
	switch (op) {
	case Cmp::Eq:
		return py_equal(a, b);
	case Cmp::Ne:
		return !py_equal(a, b);
	case Cmp::Lt: {
		int c = py_compare(a, b, "<");
		return c != 2 && c < 0;
	}
	case Cmp::Le: {
		int c = py_compare(a, b, "<=");
		return c != 2 && c <= 0;
	}
	case Cmp::Gt: {
		int c = py_compare(a, b, ">");
		return c != 2 && c > 0;
	}
	case Cmp::Ge: {
		int c = py_compare(a, b, ">=");
		return c != 2 && c >= 0;
	}
	case Cmp::In:
		return rt::contains(b, a);
	case Cmp::NotIn:
		return !rt::contains(b, a);
	case Cmp::Is:
		return rt::is_same(a, b);
	case Cmp::IsNot:
		return !rt::is_same(a, b);
	}
	return false;
}

const char* cmp_symbol(Cmp c) {
	switch (c) {
	case Cmp::Lt:
		return "<";
	case Cmp::Le:
		return "<=";
	case Cmp::Gt:
		return ">";
	case Cmp::Ge:
		return ">=";
	case Cmp::Eq:
		return "==";
	case Cmp::Ne:
		return "!=";
	case Cmp::In:
		return " in ";
	case Cmp::NotIn:
		return " not in ";
	case Cmp::Is:
		return " is ";
	case Cmp::IsNot:
		return " is not ";
	}
	return "?";
}

class CompareNode final : public Node {
public:
	CompareNode(int pos, std::vector<NodePtr> kids, std::vector<Cmp> ops)
	    : Node(pos), kids_(std::move(kids)), ops_(std::move(ops)) {}
	Value eval(Frame& f) const override { return Value::boolean(test(f)); }
	bool test(Frame& f) const override {
		Value a = kids_[0]->eval(f);
		for (std::size_t i = 0; i < ops_.size(); ++i) {
			Value b = kids_[i + 1]->eval(f);
			bool ok;
			GUARDED(ok = compare_values(ops_[i], a, b);)
			if (!ok) return false;
			a = std::move(b);
		}
		return true;
	}
	std::string plan() const override {
		std::string s = kids_[0]->plan();
		for (std::size_t i = 0; i < ops_.size(); ++i)
			s += cmp_symbol(ops_[i]) + kids_[i + 1]->plan();
		return s;
	}

private:
	std::vector<NodePtr> kids_;
	std::vector<Cmp> ops_;
};

class IfNode final : public Node {
public:
	IfNode(int pos, NodePtr c, NodePtr a, NodePtr b)
	    : Node(pos), c_(std::move(c)), a_(std::move(a)), b_(std::move(b)) {}
	Value eval(Frame& f) const override { return c_->test(f) ? a_->eval(f) : b_->eval(f); }
	std::string plan() const override { return a_->plan() + " if " + c_->plan() + " else " + b_->plan(); }

private:
	NodePtr c_, a_, b_;
};

// ---------------------------------------------------------------- calls

// Evaluates argument nodes into a stack buffer (heap only for long argument lists).
class ArgBuffer {
public:
	ArgBuffer(const std::vector<NodePtr>& nodes, Frame& f) : n_(nodes.size()) {
		if (n_ > kInline) heap_.resize(n_);
		Value* dst = data();
		for (std::size_t i = 0; i < n_; ++i)
			dst[i] = nodes[i]->eval(f);
	}
	Value* data() { return n_ > kInline ? heap_.data() : inline_.data(); }
	Args args() { return Args(data(), n_); }

private:
	static constexpr std::size_t kInline = 6;
	std::size_t n_;
	std::array<Value, kInline> inline_;
	std::vector<Value> heap_;
};

std::string args_plan(const std::vector<NodePtr>& args) {
	std::string s;
	for (std::size_t i = 0; i < args.size(); ++i)
		s += (i ? ", " : "") + args[i]->plan();
	return s;
}

class CallNode final : public Node {
public:
	CallNode(int pos, const Builtin* fn, std::vector<NodePtr> args, std::vector<std::string> kw)
	    : Node(pos), fn_(fn), args_(std::move(args)), kw_(std::move(kw)) {}
	Value eval(Frame& f) const override {
		ArgBuffer buf(args_, f);
		GUARDED(return fn_->fn(buf.args(), kw_);)
	}
	std::string plan() const override { return std::string(fn_->name) + "(" + args_plan(args_) + ")"; }

private:
	const Builtin* fn_;
	std::vector<NodePtr> args_;
	std::vector<std::string> kw_; // only for variadic builtins
};

// hmsToDeg/dmsToDeg with a constant separator: no argument array.
class SexagesimalNode final : public Node {
public:
	SexagesimalNode(int pos, bool hours, NodePtr arg, std::optional<std::string> sep)
	    : Node(pos), hours_(hours), arg_(std::move(arg)), sep_(std::move(sep)) {}
	Value eval(Frame& f) const override {
		Value v = arg_->eval(f);
		try {
			if (v.kind() != Kind::Str) {
				Value args[2] = {v, sep_ ? Value::str(*sep_) : Value()};
				return rt::call(rt::find_builtin(hours_ ? "hmsToDeg" : "dmsToDeg"), Args(args, 2), {});
			}
			std::optional<std::string_view> sep;
			if (sep_) sep = *sep_;
			return Value::real(hours_ ? hms_to_deg(v.as_str(), sep) : dms_to_deg(v.as_str(), sep));
		} catch (ExprError& e) {
			if (e.expr_offset() < 0) e.set_expr_offset(pos_);
			throw;
		}
	}
	std::string plan() const override {
		return std::string(hours_ ? "hmsToDeg(" : "dmsToDeg(") + arg_->plan() + (sep_ ? ", const)" : ")");
	}

private:
	bool hours_;
	NodePtr arg_;
	std::optional<std::string> sep_;
};

class CallValueNode final : public Node {
public:
	CallValueNode(int pos, NodePtr fn, std::vector<NodePtr> args, std::vector<std::string> kw)
	    : Node(pos), fn_(std::move(fn)), args_(std::move(args)), kw_(std::move(kw)) {}
	Value eval(Frame& f) const override {
		Value fn = fn_->eval(f);
		ArgBuffer buf(args_, f);
		GUARDED(return rt::call_value(fn, buf.args(), kw_);)
	}
	std::string plan() const override { return fn_->plan() + "(" + args_plan(args_) + ")"; }

private:
	NodePtr fn_;
	std::vector<NodePtr> args_;
	std::vector<std::string> kw_;
};

class MethodNode final : public Node {
public:
	MethodNode(int pos, NodePtr self, int method, std::vector<NodePtr> args, std::vector<std::string> kw)
	    : Node(pos), self_(std::move(self)), method_(method), args_(std::move(args)), kw_(std::move(kw)) {}
	Value eval(Frame& f) const override {
		Value self = self_->eval(f);
		ArgBuffer buf(args_, f);
		GUARDED(return rt::call_method(self, method_, buf.args(), kw_);)
	}
	std::string plan() const override {
		return self_->plan() + "." + std::string(rt::method_name(method_)) + "(" + args_plan(args_) + ")";
	}

private:
	NodePtr self_;
	int method_;
	std::vector<NodePtr> args_;
	std::vector<std::string> kw_;
};

class AttrNode final : public Node {
public:
	AttrNode(int pos, NodePtr obj, int attr, std::string name)
	    : Node(pos), obj_(std::move(obj)), attr_(attr), name_(std::move(name)) {}
	Value eval(Frame& f) const override {
		Value o = obj_->eval(f);
		GUARDED(return rt::get_attr(o, attr_);)
	}
	std::string plan() const override { return obj_->plan() + "." + name_; }

private:
	NodePtr obj_;
	int attr_;
	std::string name_;
};

class SubscriptNode final : public Node {
public:
	SubscriptNode(int pos, NodePtr obj, NodePtr idx)
	    : Node(pos), obj_(std::move(obj)), idx_(std::move(idx)) {}
	Value eval(Frame& f) const override {
		Value o = obj_->eval(f);
		Value i = idx_->eval(f);
		GUARDED(return rt::subscript(o, i);)
	}
	std::string plan() const override { return obj_->plan() + "[" + idx_->plan() + "]"; }

private:
	NodePtr obj_, idx_;
};

class SliceNode final : public Node {
public:
	SliceNode(int pos, NodePtr obj, NodePtr lo, NodePtr hi, NodePtr step)
	    : Node(pos), obj_(std::move(obj)), lo_(std::move(lo)), hi_(std::move(hi)), step_(std::move(step)) {}
	Value eval(Frame& f) const override {
		Value o = obj_->eval(f);
		Value lo = lo_ ? lo_->eval(f) : Value();
		Value hi = hi_ ? hi_->eval(f) : Value();
		Value st = step_ ? step_->eval(f) : Value();
		GUARDED(return rt::slice(o, lo, hi, st);)
	}
	std::string plan() const override {
		return obj_->plan() + "[" + (lo_ ? lo_->plan() : "") + ":" + (hi_ ? hi_->plan() : "") +
		       (step_ ? ":" + step_->plan() : "") + "]";
	}

private:
	NodePtr obj_, lo_, hi_, step_;
};

// ---------------------------------------------------------------- displays

class DisplayNode final : public Node {
public:
	DisplayNode(int pos, K kind, std::vector<NodePtr> kids)
	    : Node(pos), kind_(kind), kids_(std::move(kids)) {}
	Value eval(Frame& f) const override {
		if (kind_ == K::Dict) {
			std::vector<std::pair<Value, Value>> items;
			items.reserve(kids_.size() / 2);
			for (std::size_t i = 0; i < kids_.size(); i += 2)
				items.emplace_back(kids_[i]->eval(f), kids_[i + 1]->eval(f));
			GUARDED(return Value::dict(std::move(items));)
		}
		std::vector<Value> items;
		items.reserve(kids_.size());
		for (const auto& k : kids_)
			items.push_back(k->eval(f));
		if (kind_ == K::List) return Value::list(std::move(items));
		if (kind_ == K::Tuple) return Value::tuple(std::move(items));
		GUARDED(return Value::set(std::move(items));)
	}
	std::string plan() const override {
		const char* br = kind_ == K::List ? "[]" : kind_ == K::Tuple ? "()" : "{}";
		return std::string(1, br[0]) + args_plan(kids_) + br[1];
	}

private:
	K kind_;
	std::vector<NodePtr> kids_;
};

struct CompiledGen {
	std::vector<int> locals;
	bool unpack;
	NodePtr iter;
	std::vector<NodePtr> conds;
	int pos;
};

class ComprehensionNode final : public Node {
public:
	ComprehensionNode(int pos, K kind, NodePtr elt, NodePtr val, std::vector<CompiledGen> gens)
	    : Node(pos), kind_(kind), elt_(std::move(elt)), val_(std::move(val)), gens_(std::move(gens)) {}
	Value eval(Frame& f) const override {
		std::vector<Value> items;
		std::vector<std::pair<Value, Value>> pairs;
		run(f, 0, items, pairs);
		if (kind_ == K::DictComp) GUARDED(return Value::dict(std::move(pairs));)
		if (kind_ == K::SetComp) GUARDED(return Value::set(std::move(items));)
		return Value::list(std::move(items));
	}
	std::string plan() const override { return "comprehension"; }

private:
	void run(Frame& f, std::size_t level, std::vector<Value>& items,
	         std::vector<std::pair<Value, Value>>& pairs) const {
		if (level == gens_.size()) {
			if (kind_ == K::DictComp)
				pairs.emplace_back(elt_->eval(f), val_->eval(f));
			else
				items.push_back(elt_->eval(f));
			return;
		}
		const CompiledGen& g = gens_[level];
		Value seq = g.iter->eval(f);
		std::vector<Value> elems;
		try {
			elems = rt::iterate(seq);
		} catch (ExprError& e) {
			if (e.expr_offset() < 0) e.set_expr_offset(g.pos);
			throw;
		}
		for (auto& el : elems) {
			if (!g.unpack)
				f.locals[g.locals[0]] = el;
			else {
				std::vector<Value> parts;
				try {
					parts = rt::iterate(el);
					if (parts.size() != g.locals.size())
						raise(PyExc::ValueError, parts.size() > g.locals.size()
						                             ? "too many values to unpack (expected " +
						                                   std::to_string(g.locals.size()) + ")"
						                             : "not enough values to unpack (expected " +
						                                   std::to_string(g.locals.size()) + ", got " +
						                                   std::to_string(parts.size()) + ")");
				} catch (ExprError& e) {
					if (e.expr_offset() < 0) e.set_expr_offset(g.pos);
					throw;
				}
				for (std::size_t i = 0; i < parts.size(); ++i)
					f.locals[g.locals[i]] = parts[i];
			}
			bool ok = true;
			for (const auto& c : g.conds)
				if (!c->test(f)) {
					ok = false;
					break;
				}
			if (ok) run(f, level + 1, items, pairs);
		}
	}

	K kind_;
	NodePtr elt_, val_;
	std::vector<CompiledGen> gens_;
};

struct CompiledFPart {
	std::string literal;
	NodePtr expr;
	char conversion;
	NodePtr spec; // evaluates to a str
};

class FStringNode final : public Node {
public:
	FStringNode(int pos, std::vector<CompiledFPart> parts) : Node(pos), parts_(std::move(parts)) {}
	Value eval(Frame& f) const override {
		std::string out;
		for (const auto& p : parts_) {
			out += p.literal;
			if (!p.expr) continue;
			Value v = p.expr->eval(f);
			std::string spec;
			if (p.spec) spec = p.spec->eval(f).str_text();
			try {
				if (p.conversion == 'r' || p.conversion == 'a')
					v = Value::str(v.repr());
				else if (p.conversion == 's')
					v = rt::to_str(v);
				out += rt::format_value(v, spec);
			} catch (ExprError& e) {
				if (e.expr_offset() < 0) e.set_expr_offset(p.expr->pos());
				throw;
			}
		}
		return Value::str(std::move(out));
	}
	std::string plan() const override { return "f-string"; }

private:
	std::vector<CompiledFPart> parts_;
};

#undef GUARDED

// ---------------------------------------------------------------- lowering

[[noreturn]] void fail(CompileFailure k, int offset, std::string message, std::string construct = {}) {
	throw ast::Failure{k, std::move(message), std::move(construct), offset};
}

std::vector<std::string_view> split_params(std::string_view params) {
	std::vector<std::string_view> out;
	if (params.empty() || params == "*") return out;
	std::size_t b = 0;
	while (true) {
		auto e = params.find(',', b);
		std::string_view p = params.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
		if (!p.empty() && p.back() == '=') p.remove_suffix(1);
		out.push_back(p);
		if (e == std::string_view::npos) break;
		b = e + 1;
	}
	return out;
}

class Lowerer {
public:
	Lowerer(std::string_view src, Scope& scope, bool fold) : src_(src), scope_(scope), fold_(fold) {}

	NodePtr lower(const ast::Node& n, bool readonly = false) {
		NodePtr out = lower_inner(n, readonly);
		return out;
	}

	int n_locals() const { return n_locals_; }
	const std::vector<int>& slots_used() const { return used_; }

private:
	void use_slot(int slot) {
		if (std::find(used_.begin(), used_.end(), slot) == used_.end()) used_.push_back(slot);
	}

	int field_slot(const std::string& name, int pos) {
		if (auto s = scope_.field(name)) {
			use_slot(*s);
			return *s;
		}
		if (!scope_.extends())
			fail(CompileFailure::UnknownName, pos,
			     "unknown field '@" + name + "' (the grammar does not provide it)", "@" + name);
		int s = scope_.add_field(name);
		use_slot(s);
		return s;
	}

	// Folds a node whose children are constants (pure operations only).
	NodePtr fold(NodePtr n) {
		if (!fold_) return n;
		Frame f{nullptr, nullptr};
		try {
			Value v = n->eval(f);
			return std::make_unique<ConstNode>(n->pos(), std::move(v));
		} catch (const ExprError&) {
			return n; // raise at run time, with the row in the message
		}
	}

	static bool all_const(const std::vector<NodePtr>& v) {
		return std::all_of(v.begin(), v.end(), [](const NodePtr& p) { return !p || p->is_const(); });
	}

	const int* find_local(const std::string& name) const {
		for (auto it = locals_.rbegin(); it != locals_.rend(); ++it)
			if (it->first == name) return &it->second;
		return nullptr;
	}

	// Dotted module path of an Attr chain rooted in a module name, or "" if it is not one.
	std::string module_path(const ast::Node& n) const {
		if (n.kind == K::Name) {
			if (find_local(n.name) || scope_.variable(n.name)) return "";
			return rt::is_module(n.name) ? n.name : "";
		}
		if (n.kind == K::Attr) {
			std::string base = module_path(*n.kids[0]);
			return base.empty() ? "" : base + "." + n.name;
		}
		return "";
	}

	// DaCHS RDs build pg_sphere values with pgsphere.SPoint.fromDegrees(...) and friends; the
	// geometry columns here take plain numbers in degrees instead.
	static std::string pgsphere_hint(const std::string& path) {
		if (path.starts_with("pgsphere.SPoint"))
			return "; for an spoint column, map the position in degrees instead: (@ra, @dec), or a string "
			       "\"ra, dec\"";
		if (path.starts_with("pgsphere.SCircle"))
			return "; for an scircle column, map (ra, dec, radius) in degrees instead";
		if (path.starts_with("pgsphere.SPoly"))
			return "; for an spoly column, map a list of vertices in degrees instead: [ra1, dec1, ra2, dec2, "
			       "...]";
		if (path.starts_with("pgsphere.SBox"))
			return "; for an sbox column, map (ra1, dec1, ra2, dec2) in degrees instead";
		return {};
	}

	NodePtr resolve_module_member(const std::string& path, int pos) {
		if (const Builtin* b = rt::find_builtin(path))
			return std::make_unique<ConstNode>(pos, Value::callable(b));
		if (auto c = rt::find_constant(path)) return std::make_unique<ConstNode>(pos, *c);
		if (rt::is_module(path))
			fail(CompileFailure::Unsupported, pos,
			     "unsupported in rowmaker expressions: module '" + path + "' as a value", path);
		auto dot = path.rfind('.');
		fail(CompileFailure::UnknownName, pos,
		     "module '" + path.substr(0, dot) + "' has no attribute '" + path.substr(dot + 1) +
		         "' in rowmaker expressions" + pgsphere_hint(path),
		     path);
	}

	std::string suggestion(const std::string& name) const {
		// Python names are case-sensitive: "Math" is no typo of "math" to be silently offered.
		if (name.size() < 2) return {};
		Suggester s(name, std::min<std::size_t>(2, name.size() - 1), false);
		for (auto c : rt::global_names())
			s.offer(c);
		for (int i = 0; i < scope_.size(); ++i)
			if (scope_.is_variable(i)) s.offer(scope_.name(i));
		for (const char* m : {"math", "datetime", "re", "os"})
			s.offer(m);
		return s.suffix();
	}

	NodePtr lower_name(const ast::Node& n) {
		if (const int* l = find_local(n.name)) return std::make_unique<LocalNode>(n.pos, *l, n.name);
		if (auto s = scope_.variable(n.name)) {
			use_slot(*s);
			return std::make_unique<VarNode>(n.pos, *s, n.name);
		}
		if (auto c = rt::find_constant(n.name)) return std::make_unique<ConstNode>(n.pos, *c);
		if (const Builtin* b = rt::find_builtin(n.name))
			return std::make_unique<ConstNode>(n.pos, Value::callable(b));
		if (rt::is_module(n.name))
			fail(CompileFailure::Unsupported, n.pos,
			     "unsupported in rowmaker expressions: module '" + n.name + "' as a value", n.name);
		if (n.name == "vars")
			fail(CompileFailure::Unsupported, n.pos,
			     "unsupported in rowmaker expressions: vars as a whole (use @name or vars[\"name\"])",
			     "vars");
		fail(CompileFailure::UnknownName, n.pos, "unknown name '" + n.name + "'" + suggestion(n.name),
		     n.name);
	}

	bool is_vars(const ast::Node& n) const {
		return n.kind == K::Name && n.name == "vars" && !find_local("vars") && !scope_.variable("vars");
	}

	NodePtr lower_inner(const ast::Node& n, bool readonly) {
		switch (n.kind) {
		case K::Const:
			return std::make_unique<ConstNode>(n.pos, n.value);
		case K::Field: {
			int slot = field_slot(n.name, n.pos);
			return std::make_unique<FieldNode>(n.pos, slot, n.name);
		}
		case K::Name:
			return lower_name(n);
		case K::Attr: {
			std::string path = module_path(n);
			if (!path.empty()) return resolve_module_member(path, n.pos);
			NodePtr obj = lower(*n.kids[0]);
			auto id = rt::attr_id(n.name);
			if (!id) {
				if (rt::method_id(n.name))
					fail(CompileFailure::Unsupported, n.pos,
					     "unsupported in rowmaker expressions: method '" + n.name +
					         "' used without calling it",
					     n.name);
				fail(CompileFailure::Unsupported, n.pos,
				     "unsupported in rowmaker expressions: attribute '." + n.name + "'", "." + n.name);
			}
			NodePtr a = std::make_unique<AttrNode>(n.pos, std::move(obj), *id, n.name);
			return a;
		}
		case K::Call:
			return lower_call(n);
		case K::Subscript: {
			if (is_vars(*n.kids[0])) {
				const ast::Node& key = *n.kids[1];
				if (key.kind != K::Const || key.value.kind() != Kind::Str)
					fail(CompileFailure::Unsupported, n.pos,
					     "unsupported in rowmaker expressions: vars[...] with a computed key", "vars[...]");
				std::string name(key.value.as_str());
				return std::make_unique<FieldNode>(n.pos, field_slot(name, n.pos), name);
			}
			NodePtr obj = lower(*n.kids[0], true);
			NodePtr idx = lower(*n.kids[1]);
			bool c = obj->is_const() && idx->is_const();
			NodePtr s = std::make_unique<SubscriptNode>(n.pos, std::move(obj), std::move(idx));
			return c ? fold(std::move(s)) : std::move(s);
		}
		case K::Slice: {
			NodePtr obj = lower(*n.kids[0], true);
			NodePtr lo = n.kids[1] ? lower(*n.kids[1]) : nullptr;
			NodePtr hi = n.kids[2] ? lower(*n.kids[2]) : nullptr;
			NodePtr st = n.kids[3] ? lower(*n.kids[3]) : nullptr;
			bool c = obj->is_const() && (!lo || lo->is_const()) && (!hi || hi->is_const()) &&
			         (!st || st->is_const());
			NodePtr s = std::make_unique<SliceNode>(n.pos, std::move(obj), std::move(lo), std::move(hi),
			                                        std::move(st));
			return c ? fold(std::move(s)) : std::move(s);
		}
		case K::BinOp:
			return lower_binop(n);
		case K::UnaryOp: {
			NodePtr x = lower(*n.kids[0]);
			bool c = x->is_const();
			NodePtr u = std::make_unique<UnaryNode>(n.pos, static_cast<rt::UnOp>(n.op), std::move(x));
			return c ? fold(std::move(u)) : std::move(u);
		}
		case K::Not: {
			NodePtr x = lower(*n.kids[0]);
			bool c = x->is_const();
			NodePtr u = std::make_unique<NotNode>(n.pos, std::move(x));
			return c ? fold(std::move(u)) : std::move(u);
		}
		case K::And:
		case K::Or: {
			std::vector<NodePtr> kids;
			for (const auto& k : n.kids)
				kids.push_back(lower(*k));
			bool c = all_const(kids);
			NodePtr b = std::make_unique<BoolOpNode>(n.pos, n.kind == K::And, std::move(kids));
			return c ? fold(std::move(b)) : std::move(b);
		}
		case K::Compare:
			return lower_compare(n);
		case K::IfExp: {
			NodePtr c = lower(*n.kids[0]);
			NodePtr a = lower(*n.kids[1]);
			NodePtr b = lower(*n.kids[2]);
			if (c->is_const() && fold_) {
				Frame f{nullptr, nullptr};
				return c->test(f) ? std::move(a) : std::move(b);
			}
			return std::make_unique<IfNode>(n.pos, std::move(c), std::move(a), std::move(b));
		}
		case K::List:
		case K::Tuple:
		case K::Set:
		case K::Dict: {
			std::vector<NodePtr> kids;
			for (const auto& k : n.kids)
				kids.push_back(lower(*k, true));
			bool c = all_const(kids);
			NodePtr d = std::make_unique<DisplayNode>(n.pos, n.kind, std::move(kids));
			// Mutable displays are folded only where nothing can modify them (lookups).
			if (c && (n.kind == K::Tuple || readonly)) return fold(std::move(d));
			return d;
		}
		case K::ListComp:
		case K::SetComp:
		case K::DictComp:
		case K::GenExp:
			return lower_comprehension(n);
		case K::FString:
			return lower_fstring(n);
		}
		fail(CompileFailure::Syntax, n.pos, "unexpected syntax");
	}

	NodePtr lower_binop(const ast::Node& n) {
		auto op = static_cast<rt::BinOp>(n.op);
		NodePtr l = lower(*n.kids[0]);
		NodePtr r = lower(*n.kids[1]);
		if (l->is_const() && r->is_const())
			return fold(std::make_unique<BinOpNode>(n.pos, op, std::move(l), std::move(r)));
		bool arith =
		    op == rt::BinOp::Add || op == rt::BinOp::Sub || op == rt::BinOp::Mul || op == rt::BinOp::Div;
		if (arith) {
			if (const ConstNode* k = const_node(r); k && k->value().is_number())
				return std::make_unique<NumOpConstNode>(n.pos, op, std::move(l), k->value(), false);
			if (const ConstNode* k = const_node(l); k && k->value().is_number())
				return std::make_unique<NumOpConstNode>(n.pos, op, std::move(r), k->value(), true);
		}
		return std::make_unique<BinOpNode>(n.pos, op, std::move(l), std::move(r));
	}

	NodePtr lower_compare(const ast::Node& n) {
		// `"k" in vars` / `"k" not in vars`
		if (n.cmps.size() == 1 && (n.cmps[0] == Cmp::In || n.cmps[0] == Cmp::NotIn) && is_vars(*n.kids[1])) {
			const ast::Node& key = *n.kids[0];
			if (key.kind != K::Const || key.value.kind() != Kind::Str)
				fail(CompileFailure::Unsupported, n.pos,
				     "unsupported in rowmaker expressions: 'in vars' with a computed key", "vars");
			int slot = field_slot(std::string(key.value.as_str()), n.pos);
			return std::make_unique<FieldPresentNode>(n.pos, slot, n.cmps[0] == Cmp::In);
		}
		std::vector<NodePtr> kids;
		for (std::size_t i = 0; i < n.kids.size(); ++i) {
			bool container = i > 0 && (n.cmps[i - 1] == Cmp::In || n.cmps[i - 1] == Cmp::NotIn);
			kids.push_back(lower(*n.kids[i], container));
		}
		bool c = all_const(kids);
		NodePtr cmp = std::make_unique<CompareNode>(n.pos, std::move(kids), n.cmps);
		return c ? fold(std::move(cmp)) : std::move(cmp);
	}

	NodePtr lower_call(const ast::Node& n) {
		const ast::Node& fn = *n.kids[0];
		std::size_t nargs = n.kids.size() - 1;
		std::size_t nkw = n.kwnames.size();
		std::size_t npos = nargs - nkw;
		// Method call on a value (not a module member).
		if (fn.kind == K::Attr && module_path(fn).empty()) {
			const ast::Node& recv = *fn.kids[0];
			if (is_vars(recv)) return lower_vars_method(n, fn.name);
			auto id = rt::method_id(fn.name);
			if (!id) {
				fail(CompileFailure::Unsupported, fn.pos,
				     "unsupported in rowmaker expressions: method ." + fn.name + "()", "." + fn.name + "()");
			}
			static const std::vector<std::string> readonly_methods = {"get",   "keys",  "values", "items",
			                                                          "index", "count", "join",   "format"};
			bool ro = std::find(readonly_methods.begin(), readonly_methods.end(), fn.name) !=
			          readonly_methods.end();
			NodePtr self = lower(recv, ro);
			std::vector<NodePtr> args;
			for (std::size_t i = 1; i < n.kids.size(); ++i)
				args.push_back(lower(*n.kids[i], true));
			bool c = self->is_const() && all_const(args) && ro;
			NodePtr m = std::make_unique<MethodNode>(n.pos, std::move(self), *id, std::move(args), n.kwnames);
			return c ? fold(std::move(m)) : std::move(m);
		}
		NodePtr callee = lower(fn);
		const ConstNode* kc = const_node(callee);
		if (!kc || kc->value().kind() != Kind::Callable) {
			if (kc)
				fail(CompileFailure::Syntax, n.pos,
				     "'" + std::string(kc->value().type_name()) + "' object is not callable");
			std::vector<NodePtr> args;
			for (std::size_t i = 1; i < n.kids.size(); ++i)
				args.push_back(lower(*n.kids[i]));
			return std::make_unique<CallValueNode>(n.pos, std::move(callee), std::move(args), n.kwnames);
		}
		const Builtin* b = kc->value().as_callable();
		std::vector<NodePtr> args;
		if (b->max_args < 0) {
			for (std::size_t i = 1; i < n.kids.size(); ++i)
				args.push_back(lower(*n.kids[i], true));
			bool c = all_const(args) && b->pure;
			NodePtr call = std::make_unique<CallNode>(n.pos, b, std::move(args), n.kwnames);
			return c ? fold(std::move(call)) : std::move(call);
		}
		// Fixed parameters: sort keywords into positions now.
		auto params = split_params(b->params);
		std::vector<const ast::Node*> slots(npos, nullptr);
		for (std::size_t i = 0; i < npos; ++i)
			slots[i] = n.kids[1 + i].get();
		for (std::size_t k = 0; k < nkw; ++k) {
			const std::string& kw = n.kwnames[k];
			auto it = std::find(params.begin(), params.end(), kw);
			const ast::Node* val = n.kids[1 + npos + k].get();
			if (it == params.end())
				fail(CompileFailure::Syntax, val->pos,
				     std::string(b->name) + "() got an unexpected keyword argument '" + kw + "'");
			auto pos = static_cast<std::size_t>(it - params.begin());
			if (pos < slots.size() && slots[pos])
				fail(CompileFailure::Syntax, val->pos,
				     std::string(b->name) + "() got multiple values for argument '" + kw + "'");
			if (slots.size() <= pos) slots.resize(pos + 1, nullptr);
			slots[pos] = val;
		}
		if (static_cast<int>(slots.size()) > b->max_args)
			fail(CompileFailure::Syntax, n.pos,
			     std::string(b->name) + "() takes at most " + std::to_string(b->max_args) + " argument" +
			         (b->max_args == 1 ? "" : "s") + " (" + std::to_string(slots.size()) + " given)");
		for (int i = 0; i < b->min_args; ++i)
			if (static_cast<std::size_t>(i) >= slots.size() || !slots[static_cast<std::size_t>(i)])
				fail(CompileFailure::Syntax, n.pos,
				     std::string(b->name) + "() missing required argument '" +
				         std::string(params[static_cast<std::size_t>(i)]) + "'");
		bool ro_args = b->name == "len" || b->name == "sorted" || b->name == "sum" || b->name == "any" ||
		               b->name == "all" || b->name == "list" || b->name == "tuple" || b->name == "set" ||
		               b->name == "isinstance";
		for (const ast::Node* s : slots)
			args.push_back(s ? lower(*s, ro_args) : std::make_unique<ConstNode>(n.pos, Value::missing()));
		if (NodePtr special = specialise(n, b, args)) return special;
		bool c = all_const(args) && b->pure;
		NodePtr call = std::make_unique<CallNode>(n.pos, b, std::move(args), std::vector<std::string>{});
		return c ? fold(std::move(call)) : std::move(call);
	}

	NodePtr specialise(const ast::Node& n, const Builtin* b, std::vector<NodePtr>& args) {
		std::string_view name = b->name;
		if ((name == "float" || name == "int") && args.size() == 1) {
			if (const FieldNode* fld = as_field(args[0]))
				return std::make_unique<FloatFieldNode>(n.pos, fld->slot(), fld->name(), name == "int");
		}
		if ((name == "hmsToDeg" || name == "dmsToDeg") && !args[0]->is_const()) {
			std::optional<std::string> sep;
			if (args.size() > 1) {
				const ConstNode* k = const_node(args[1]);
				if (!k) return nullptr;
				if (k->value().kind() == Kind::Str)
					sep = std::string(k->value().as_str());
				else if (!k->value().is_none() && !k->value().is_missing())
					return nullptr;
			}
			return std::make_unique<SexagesimalNode>(n.pos, name == "hmsToDeg", std::move(args[0]),
			                                         std::move(sep));
		}
		if (name == "parseWithNull" && args.size() >= 2 && args.size() <= 4) {
			const FieldNode* fld = as_field(args[0]);
			const ConstNode* parser = const_node(args[1]);
			if (!fld || !parser || parser->value().kind() != Kind::Callable) return nullptr;
			std::string_view pn = parser->value().as_callable()->name;
			if (pn != "float" && pn != "int" && pn != "parseFloat" && pn != "parseInt") return nullptr;
			Value null_lit = Value::missing(), dflt;
			if (args.size() > 2) {
				const ConstNode* k = const_node(args[2]);
				if (!k) return nullptr;
				null_lit = k->value();
			}
			if (args.size() > 3) {
				const ConstNode* k = const_node(args[3]);
				if (!k) return nullptr;
				if (!k->value().is_missing()) dflt = k->value();
			}
			return std::make_unique<ParseWithNullNode>(n.pos, fld->slot(), fld->name(),
			                                           parser->value().as_callable(), null_lit, dflt);
		}
		return nullptr;
	}

	NodePtr lower_vars_method(const ast::Node& n, const std::string& method) {
		if (method != "get" || n.kids.size() < 2 || n.kids.size() > 3 || !n.kwnames.empty())
			fail(CompileFailure::Unsupported, n.pos,
			     "unsupported in rowmaker expressions: vars." + method + "()", "vars." + method);
		const ast::Node& key = *n.kids[1];
		if (key.kind != K::Const || key.value.kind() != Kind::Str)
			fail(CompileFailure::Unsupported, n.pos,
			     "unsupported in rowmaker expressions: vars.get() with a computed key", "vars.get");
		int slot = field_slot(std::string(key.value.as_str()), n.pos);
		return std::make_unique<FieldGetNode>(n.pos, slot, n.kids.size() == 3 ? lower(*n.kids[2]) : nullptr);
	}

	NodePtr lower_comprehension(const ast::Node& n) {
		std::size_t mark = locals_.size();
		std::vector<CompiledGen> gens;
		for (const auto& g : n.gens) {
			CompiledGen cg;
			cg.iter = lower(*g.iter); // evaluated in the enclosing scope of this generator
			for (const auto& t : g.targets) {
				locals_.emplace_back(t, n_locals_);
				cg.locals.push_back(n_locals_++);
			}
			cg.unpack = g.unpack;
			for (const auto& c : g.conditions)
				cg.conds.push_back(lower(*c));
			cg.pos = g.pos;
			gens.push_back(std::move(cg));
		}
		NodePtr elt = lower(*n.kids[0]);
		NodePtr val = n.kind == K::DictComp ? lower(*n.kids[1]) : nullptr;
		locals_.resize(mark);
		K kind = n.kind == K::GenExp ? K::ListComp : n.kind;
		return std::make_unique<ComprehensionNode>(n.pos, kind, std::move(elt), std::move(val),
		                                           std::move(gens));
	}

	NodePtr lower_fstring(const ast::Node& n) {
		std::vector<CompiledFPart> parts;
		bool c = true;
		for (const auto& p : n.fparts) {
			CompiledFPart cp{p.literal, p.expr ? lower(*p.expr) : nullptr, p.conversion,
			                 p.spec ? lower_fstring(*p.spec) : nullptr};
			c = c && (!cp.expr || cp.expr->is_const()) && (!cp.spec || cp.spec->is_const());
			parts.push_back(std::move(cp));
		}
		NodePtr f = std::make_unique<FStringNode>(n.pos, std::move(parts));
		return c ? fold(std::move(f)) : std::move(f);
	}

	std::string_view src_;
	Scope& scope_;
	bool fold_;
	std::vector<std::pair<std::string, int>> locals_;
	int n_locals_ = 0;
	std::vector<int> used_;
};

} // namespace

// ---------------------------------------------------------------- public API

int Scope::add_field(std::string_view name) {
	if (auto s = field(name)) return *s;
	names_.emplace_back(name);
	is_var_.push_back(false);
	return static_cast<int>(names_.size()) - 1;
}

int Scope::add_variable(std::string_view name) {
	if (auto s = variable(name)) return *s;
	names_.emplace_back(name);
	is_var_.push_back(true);
	return static_cast<int>(names_.size()) - 1;
}

std::optional<int> Scope::field(std::string_view name) const {
	for (std::size_t i = 0; i < names_.size(); ++i)
		if (!is_var_[i] && names_[i] == name) return static_cast<int>(i);
	return std::nullopt;
}

std::optional<int> Scope::variable(std::string_view name) const {
	for (std::size_t i = 0; i < names_.size(); ++i)
		if (is_var_[i] && names_[i] == name) return static_cast<int>(i);
	return std::nullopt;
}

Error CompileError::to_error(const SourcePos& base) const {
	SourcePos pos = base;
	if (pos.line > 0) pos.line += line - 1;
	pos.column = 0;
	ErrorKind kind = failure == CompileFailure::UnknownName ? ErrorKind::Name : ErrorKind::Syntax;
	std::string msg = message;
	if (base.line > 0 || !base.source.empty())
		msg += " (column " + std::to_string(column) + ")";
	else
		msg += " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
	return Error(kind, std::move(msg), std::move(pos));
}

ExcSet ExcSet::parse(std::string_view names) {
	ExcSet set;
	std::size_t i = 0;
	while (i < names.size()) {
		while (i < names.size() && (names[i] == ',' || std::isspace(static_cast<unsigned char>(names[i]))))
			++i;
		std::size_t b = i;
		while (i < names.size() && names[i] != ',' && !std::isspace(static_cast<unsigned char>(names[i])))
			++i;
		std::string_view name = names.substr(b, i - b);
		if (name.empty()) continue;
		for (unsigned e = 0; e <= static_cast<unsigned>(PyExc::Other); ++e)
			if (py_exc_matches(static_cast<PyExc>(e), name)) set.add(static_cast<PyExc>(e));
	}
	return set;
}

namespace detail {

struct ExpressionImpl {
	std::string source;
	SourcePos pos;
	std::vector<int> slots_used;
	std::vector<std::string> slot_names; // parallel to slots_used
	int min_slots = 0;
	int n_locals = 0;
	NodePtr root;
	std::unique_ptr<Evaluator> fallback;
	std::optional<Value> constant;

	Value run(std::span<const Value> slots) const {
		if (static_cast<int>(slots.size()) < min_slots)
			throw Error(ErrorKind::Internal, "expression `" + source + "` evaluated with " +
			                                     std::to_string(slots.size()) + " slots, needs " +
			                                     std::to_string(min_slots));
		if (fallback) return fallback->evaluate(slots);
		if (n_locals == 0) {
			Frame f{slots.data(), nullptr};
			return root->eval(f);
		}
		std::vector<Value> locals(static_cast<std::size_t>(n_locals));
		Frame f{slots.data(), locals.data()};
		return root->eval(f);
	}

	[[noreturn]] void rethrow(const ExprError& e, std::span<const Value> slots) const {
		int line = 1, col = 1;
		if (e.expr_offset() >= 0) ast::line_col(source, e.expr_offset(), line, col);
		auto shorten = [](std::string s, std::size_t max) {
			if (s.size() > max) s = s.substr(0, max - 3) + "...";
			return s;
		};
		std::string msg =
		    std::string(e.exc_name()) + " in rowmaker expression `" + shorten(source, 100) + "`";
		if (e.expr_offset() >= 0)
			msg +=
			    " (column " + std::to_string(col) + (line > 1 ? ", line " + std::to_string(line) : "") + ")";
		msg += ": " + e.detail();
		if (!slots_used.empty()) {
			msg += " [";
			for (std::size_t i = 0; i < slots_used.size(); ++i) {
				const Value& v = slots[static_cast<std::size_t>(slots_used[i])];
				msg += (i ? ", " : "") + slot_names[i] + "=" +
				       (v.is_missing() ? std::string("<missing>") : shorten(v.repr(), 60));
			}
			msg += "]";
		}
		SourcePos p = pos;
		if (p.line > 0) p.line += line - 1;
		p.column = 0;
		ExprError out =
		    (p.source.empty() && p.line == 0) ? ExprError(e.exc(), msg) : ExprError(e.exc(), msg, p);
		out.set_detail(e.detail());
		out.set_expr_offset(e.expr_offset());
		out.set_expr_position(line, col);
		throw out;
	}

	Value evaluate(std::span<const Value> slots, const ExcSet* null_excs) const {
		try {
			return run(slots);
		} catch (const ExprError& e) {
			if (null_excs && null_excs->contains(e.exc())) return Value();
			rethrow(e, slots);
		} catch (const Error&) {
			throw;
		} catch (const std::bad_alloc&) {
			throw Error(ErrorKind::Limit, "out of memory evaluating rowmaker expression `" + source + "`",
			            pos);
		} catch (const std::exception& ex) {
			throw Error(ErrorKind::Internal, "rowmaker expression `" + source + "` failed: " + ex.what(),
			            pos);
		}
	}

	static Expression make(std::shared_ptr<const ExpressionImpl> impl) { return Expression(std::move(impl)); }
};

} // namespace detail

Expression::Outcome Expression::try_compile(std::string_view source, Scope& scope,
                                            const CompileOptions& options) {
	Outcome out;
	auto impl = std::make_shared<detail::ExpressionImpl>();
	impl->source = std::string(source);
	impl->pos = options.pos;
	auto to_error = [&](const ast::Failure& f) {
		CompileError ce;
		ce.failure = f.failure;
		ce.message = f.message;
		ce.construct = f.construct;
		ast::line_col(source, f.offset, ce.line, ce.column);
		return ce;
	};
	try {
		ast::Ptr tree = ast::parse(impl->source);
		Lowerer low(impl->source, scope, options.fold_constants);
		impl->root = low.lower(*tree);
		impl->n_locals = low.n_locals();
		impl->slots_used = low.slots_used();
	} catch (const ast::Failure& f) {
		CompileError ce = to_error(f);
		if (options.fallback && ce.failure != CompileFailure::Syntax) {
			if (auto ev = options.fallback(source, scope, ce)) {
				impl->fallback = std::move(ev);
				impl->root.reset();
				impl->min_slots = 0;
				out.expression = detail::ExpressionImpl::make(std::move(impl));
				return out;
			}
		}
		out.error = std::move(ce);
		return out;
	}
	for (int s : impl->slots_used) {
		impl->slot_names.push_back(scope.name(s));
		impl->min_slots = std::max(impl->min_slots, s + 1);
	}
	if (const ConstNode* k = dynamic_cast<const ConstNode*>(impl->root.get()))
		impl->constant = private_copy(k->value());
	out.expression = detail::ExpressionImpl::make(std::move(impl));
	return out;
}

Expression Expression::compile(std::string_view source, Scope& scope, const CompileOptions& options) {
	Outcome o = try_compile(source, scope, options);
	if (!o) throw o.error->to_error(options.pos);
	return std::move(*o.expression);
}

Value Expression::evaluate(std::span<const Value> slots) const {
	return impl_->evaluate(slots, nullptr);
}
Value Expression::evaluate(std::span<const Value> slots, const ExcSet& null_excs) const {
	return impl_->evaluate(slots, null_excs.empty() ? nullptr : &null_excs);
}
const std::string& Expression::source() const {
	return impl_->source;
}
const std::vector<int>& Expression::slots_used() const {
	return impl_->slots_used;
}
bool Expression::is_native() const {
	return !impl_->fallback;
}
std::optional<Value> Expression::constant() const {
	return impl_->constant;
}
std::string Expression::plan() const {
	return impl_->fallback ? "fallback" : impl_->root->plan();
}

} // namespace meles::rd::expr
