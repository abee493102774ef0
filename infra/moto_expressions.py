"""moto's DynamoDB expressions, parsed once and validated faster (the local stack and the tests;
never deployed). Every answer and every error is moto's own.

moto spends about 10-17 ms on each item of a TransactWriteItems that updates: it parses the
UpdateExpression twice and the ConditionExpression three times, deep-copies the update's syntax tree
and walks it ten times in `UpdateExpressionValidator`, where every step re-derives what it needs
(an ABC `isinstance` per node and processor, a processing map built per node, and two validators that
rescan the whole subtree below every clause node). A claim of 5,000 selections spent 50 s there.
This patch keeps moto's code and changes only what is repeated:

1. `UpdateExpressionParser.make` keeps the tree of each expression string it parsed (bounded). Its
   callers only read that tree (`find_clauses`) or hand it to a validator, which copies it first, so
   one tree serves every use. A string that does not parse is parsed (and fails) every time.
2. The validator's copy of the tree is made by a walk that knows moto's nodes (their attributes are
   `type`, `children` and `parent`; anything else in them is deep-copied as before) instead of
   `copy.deepcopy`; a tree that is not shaped as expected (a child whose parent is another node) is
   deep-copied by moto's way.
3. `DepthFirstTraverser.traverse` (each validator step) does moto's depth-first walk with the
   processing map read once per walk and each node class matched against it once, instead of per
   node. Classes that override the walk's parts keep moto's own walk.
4. The validator's first steps depend only on the expression and their own parameters (the names,
   the table's keys): `ActionCountValidator`, `OverlappingPathsValidator`,
   `UpdateHashRangeKeyValidator`. They never change the tree; once one has passed for an expression
   string and the same parameters it is not walked again (one that raised is walked, and raises,
   every time). Every later step (the values, the item's paths, functions, arithmetic, types, empty
   keys) runs for every item as before.
5. `ConditionExpressionParser.parse` keeps its last results (bounded) by expression, names and
   values: moto parses one item's condition three times in a transaction (when validating the
   request, before the write, and in `update_item`); the syntax tree it returns is only read. The
   lexing of each condition string is kept too. Parses that fail are never kept.

`apply()` is idempotent (infra/moto_patches.apply() applies it); `remove()` gives moto back.
tests/integration/test_moto_expressions.py makes the same requests, good and bad, against moto with
and without the patch and compares every answer and every error.
"""

from __future__ import annotations

import copy
import copyreg
import functools
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

_applied = False
_lock = threading.Lock()
_originals: list[tuple[Any, str, Any]] = []  # (owner, attribute, moto's own) for remove()
_MISSING = object()
_ATOMS = (str, int, float, bool, type(None))
MAX_EXPRESSIONS = 512  # distinct update expression strings kept
MAX_CONDITIONS = 1024  # (condition, names, values) parses kept: one transaction's items and then some

_update_trees: dict[str, Any] = {}  # expression string -> moto's tree
_tree_sources: dict[int, tuple[Any, str]] = {}  # id(tree) -> (tree, expression string)
_passed: set[tuple[Any, ...]] = set()  # (validator step, expression string, its parameters) that passed
_conditions: dict[tuple[str, str, str], tuple[Any, tuple[str, ...], tuple[str, ...]]] = {}
_lexed: dict[str, tuple[Any, ...]] = {}  # condition string -> its tokens


def clear() -> None:
    """Forget every kept tree and result (the caches are bounded; this is for tests)."""
    with _lock:
        _update_trees.clear()
        _tree_sources.clear()
        _passed.clear()
        _conditions.clear()
        _lexed.clear()


def _keep(cache: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    with _lock:
        if len(cache) >= limit:
            cache.clear()
        cache[key] = value


def _forget_trees() -> None:
    _update_trees.clear()
    _tree_sources.clear()
    _passed.clear()


# 1. Update expressions parsed once


def _make(original: Callable[[str], Any]) -> Callable[..., Any]:
    def make(cls: Any, expression_str: str) -> Any:
        tree = _update_trees.get(expression_str) if isinstance(expression_str, str) else None
        if tree is not None:
            return tree
        tree = original(expression_str)
        if isinstance(expression_str, str):
            with _lock:
                if len(_update_trees) >= MAX_EXPRESSIONS:
                    _forget_trees()
                _update_trees[expression_str] = tree
                _tree_sources[id(tree)] = (tree, expression_str)
        return tree

    return make


def _source(tree: Any) -> str | None:
    found = _tree_sources.get(id(tree))
    return found[1] if found is not None and found[0] is tree else None


# 2. The validator's copy

_plain_classes: dict[type, bool] = {}


def _plain(kind: type) -> bool:
    """Instances that copy.deepcopy copies attribute by attribute (no hooks, no slots)."""
    plain = _plain_classes.get(kind)
    if plain is None:
        default_state = getattr(object, "__getstate__", None)  # Python 3.11 and later
        plain = _plain_classes[kind] = (
            not hasattr(kind, "__deepcopy__")
            and not hasattr(kind, "__slots__")
            and not hasattr(kind, "__setstate__")
            and getattr(kind, "__getstate__", None) is default_state
            and kind.__reduce_ex__ is object.__reduce_ex__
            and kind.__reduce__ is object.__reduce__
            and kind not in copyreg.dispatch_table
        )
    return plain


class _NotATree(Exception):
    pass


def _copy_tree(root: Any, node_class: Any) -> Any:
    """What copy.deepcopy(root) gives for moto's trees (a root without a parent)."""

    def atom(value: Any, memo: dict[int, Any]) -> Any:
        return value if type(value) in _ATOMS else copy.deepcopy(value, memo)

    def walk(node: Any, parent: Any, memo: dict[int, Any]) -> Any:
        kind = type(node)
        if id(node) in memo or not _plain(kind):  # shared, or copied its own way
            raise _NotATree
        new = object.__new__(kind)
        memo[id(node)] = new
        state = {}
        for name, value in node.__dict__.items():
            if name == "parent":
                state[name] = parent
            elif name == "children" and type(value) is list:
                children = []
                for child in value:
                    if type(child) in _ATOMS:
                        children.append(child)
                    elif isinstance(child, node_class):
                        if child.parent is not node:
                            raise _NotATree
                        children.append(walk(child, new, memo))
                    else:
                        children.append(copy.deepcopy(child, memo))
                state[name] = children
            else:
                state[name] = atom(value, memo)
        new.__dict__.update(state)
        return new

    if getattr(root, "parent", _MISSING) is not None:
        return copy.deepcopy(root)
    try:
        return walk(root, None, {})
    except _NotATree:
        return copy.deepcopy(root)


# 3. The depth-first walk


def _fast_traverse(base: Any, node_class: Any, original: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    own = (base.traverse_node_recursively, base.process, base.nodes_to_be_processed)
    base_pre = base.pre_processing_of_child
    is_node: dict[type, bool] = {}
    _matches: dict[tuple[type, ...], dict[type, int]] = {}  # processing classes -> node class -> index

    def traverse(self: Any, node: Any) -> Any:
        cls = type(self)
        if (cls.traverse_node_recursively, cls.process, cls.nodes_to_be_processed) != own:
            return original(self, node)
        processing = self._processing_map()
        classes = tuple(processing)
        processors = list(processing.values())
        pre = self.pre_processing_of_child if cls.pre_processing_of_child is not base_pre else None
        matched = _matches.get(classes)
        if matched is None:
            matched = _matches.setdefault(classes, {})

        def node_like(value: Any) -> bool:
            kind = type(value)
            found = is_node.get(kind)
            if found is None:
                found = is_node[kind] = isinstance(value, node_class)
            return found

        def visit(node: Any, child_id: int) -> Any:  # moto's walk, for a node
            parent_node = node.parent
            children = node.children
            if children is not None:
                for i, child_node in enumerate(children):
                    if pre is not None:
                        pre(node, i)
                    if is_node.get(type(child_node)) or node_like(child_node):
                        visit(child_node, i)  # (moto returns any other child as it is)
            kind = type(node)
            index = matched.get(kind)
            if index is None:
                index = matched[kind] = next(
                    (i for i, key in enumerate(classes) if isinstance(node, key)), -1
                )
            if index >= 0:
                node = processors[index](node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
            return node

        return visit(node, -1) if node_like(node) else node

    return traverse


# 4. The validator steps that depend on the expression only


def _validate(static: tuple[type, ...]) -> Callable[[Any], Any]:
    def validate(self: Any) -> Any:
        n = self.node_to_validate
        source = getattr(self, "_moto_expressions_source", None)
        leading = source is not None  # the steps so far saw the parsed tree unchanged
        for processor in self.processors:
            if leading and type(processor) in static:
                key = (type(processor), source, repr(sorted(vars(processor).items())))
                if key in _passed:
                    continue
                walked = processor.traverse(n)
                if walked is n:
                    with _lock:
                        _passed.add(key)
                n = walked
                continue
            leading = False
            n = processor.traverse(n)
        return n

    return validate


def _init(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def __init__(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        original(self, expression, *args, **kwargs)
        self._moto_expressions_source = _source(expression)

    return __init__


# 5. Conditions


def _parse(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def parse(self: Any) -> Any:
        expression = self.condition_expression
        if not isinstance(expression, str) or not expression:
            return original(self)
        key = (expression, repr(self.expression_attribute_names), repr(self.expression_attribute_values))
        kept = _conditions.get(key)
        if kept is None:
            names_before = len(self.expr_attr_names_found)
            values_before = len(self.expr_attr_values_found)
            op = original(self)
            kept = (
                op,
                tuple(self.expr_attr_names_found[names_before:]),
                tuple(self.expr_attr_values_found[values_before:]),
            )
            _keep(_conditions, key, kept, MAX_CONDITIONS)
            return op
        op, names, values = kept
        self.expr_attr_names_found.extend(names)
        self.expr_attr_values_found.extend(values)
        return op

    return parse


def _lex(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def lex(self: Any) -> Any:
        expression = self.condition_expression
        tokens = _lexed.get(expression) if isinstance(expression, str) else None
        if tokens is None:
            lexed = original(self)
            if isinstance(expression, str):
                _keep(_lexed, expression, tuple(lexed), MAX_EXPRESSIONS)
            return lexed
        return deque(tokens)

    return lex


def _set(owner: Any, name: str, value: Any) -> None:
    _originals.append((owner, name, owner.__dict__[name]))
    setattr(owner, name, value)


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    _set(UpdateExpressionParser, "make", classmethod(_make(UpdateExpressionParser.make)))
    original_deepcopy = validators.deepcopy

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if memo is None and isinstance(value, Node):
            return _copy_tree(value, Node)
        return original_deepcopy(value, memo)

    _originals.append((validators, "deepcopy", original_deepcopy))
    validators.deepcopy = deepcopy  # type: ignore[assignment]
    _set(
        DepthFirstTraverser,
        "traverse",
        _fast_traverse(DepthFirstTraverser, Node, DepthFirstTraverser.traverse),
    )
    _set(validators.Validator, "__init__", _init(validators.Validator.__init__))
    static = (
        validators.ActionCountValidator,
        validators.OverlappingPathsValidator,
        validators.UpdateHashRangeKeyValidator,
    )
    _set(validators.Validator, "validate", _validate(static))
    _set(ConditionExpressionParser, "parse", _parse(ConditionExpressionParser.parse))
    _set(
        ConditionExpressionParser,
        "_lex_condition_expression",
        _lex(ConditionExpressionParser._lex_condition_expression),
    )
    _applied = True


def remove() -> None:
    """moto as it was (tests compare its answers with the patched ones)."""
    global _applied
    while _originals:
        owner, name, original = _originals.pop()
        setattr(owner, name, original)
    clear()
    _applied = False
