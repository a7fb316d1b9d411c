// adql/ast/ast.hpp — all syntax tree node types in one include, for the stages that walk
// the whole tree (parser, binder, emitter).
// Thread-safety: see the node headers.
#pragma once

#include "adql/ast/case_expr.hpp"
#include "adql/ast/cast_expr.hpp"
#include "adql/ast/column_ref_expr.hpp"
#include "adql/ast/expression.hpp"
#include "adql/ast/function_expr.hpp"
#include "adql/ast/identifier.hpp"
#include "adql/ast/literal_expr.hpp"
#include "adql/ast/operator_expr.hpp"
#include "adql/ast/ordered_node.hpp"
#include "adql/ast/predicate_expr.hpp"
#include "adql/ast/query_node.hpp"
#include "adql/ast/select_node.hpp"
#include "adql/ast/set_op_node.hpp"
#include "adql/ast/statement.hpp"
#include "adql/ast/subquery_expr.hpp"
#include "adql/ast/table_ref.hpp"
