package dev.edgellm.chat;

import dev.edgellm.chat.Lexer.Token;
import dev.edgellm.chat.Lexer.Type;

import java.util.ArrayList;
import java.util.List;

/**
 * Expression half of the parser (statements are in {@link Parser}), with Jinja2's operator precedence
 * (lowest first): {@code x if c else y}, {@code or}, {@code and}, {@code not}, comparisons and {@code in},
 * {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary {@code - +}, then postfix {@code . [] ()} and the
 * {@code | filter} / {@code is test} chain. Every recursive step counts towards the nesting limit, so a
 * hostile template cannot overflow the stack.
 */
abstract class ExpressionParser {
    final String src;
    final List<Token> toks;
    final int maxNesting;
    int i;
    int depth;

    ExpressionParser(String src, List<Token> toks, int maxNesting) {
        this.src = src;
        this.toks = toks;
        this.maxNesting = maxNesting;
    }

    // ---- expressions --------------------------------------------------------------------------------

    Node expression() {
        enter();
        Node e = parseOr();
        while (peek().isName("if")) {
            int pos = next().pos;
            Node test = parseOr();
            Node orElse = null;
            if (peek().isName("else")) {
                i++;
                orElse = expression();
            }
            e = new Node.Cond(pos, test, e, orElse);
        }
        depth--;
        return e;
    }

    /** "a, b" without parentheses makes a tuple (for-loop iterables and set values). */
    final Node tupleOrExpression(boolean condExpr) {
        int pos = peek().pos;
        Node first = condExpr ? expression() : parseOr();
        if (!peek().isOp(",")) return first;
        List<Node> items = new ArrayList<>();
        items.add(first);
        while (peek().isOp(",")) {
            i++;
            if (peek().type == Type.BLOCK_END || peek().isName("if")) break;
            items.add(condExpr ? expression() : parseOr());
        }
        return new Node.ListLit(pos, items, true);
    }

    final Node parseOr() {
        Node left = parseAnd();
        while (peek().isName("or")) {
            int pos = next().pos;
            left = new Node.Binary(pos, "or", left, parseAnd());
        }
        return left;
    }

    private Node parseAnd() {
        Node left = parseNot();
        while (peek().isName("and")) {
            int pos = next().pos;
            left = new Node.Binary(pos, "and", left, parseNot());
        }
        return left;
    }

    private Node parseNot() {
        if (peek().isName("not")) {
            int pos = next().pos;
            enter();
            Node n = new Node.Unary(pos, "not", parseNot());
            depth--;
            return n;
        }
        return parseCompare();
    }

    private Node parseCompare() {
        int pos = peek().pos;
        Node first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Node> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            String op;
            if (t.type == Type.OP && (t.text.equals("==") || t.text.equals("!=") || t.text.equals("<")
                    || t.text.equals(">") || t.text.equals("<=") || t.text.equals(">="))) {
                op = t.text;
                i++;
            } else if (t.isName("in")) {
                op = "in";
                i++;
            } else if (t.isName("not") && peek(1).isName("in")) {
                op = "notin";
                i += 2;
            } else {
                break;
            }
            ops.add(op);
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Node.Compare(pos, first, ops, rest);
    }

    private Node parseMath1() {
        Node left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Node.Binary(op.pos, op.text, left, parseConcat());
        }
        return left;
    }

    private Node parseConcat() {
        Node left = parseMath2();
        while (peek().isOp("~")) {
            int pos = next().pos;
            left = new Node.Binary(pos, "~", left, parseMath2());
        }
        return left;
    }

    private Node parseMath2() {
        Node left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Node.Binary(op.pos, op.text, left, parsePow());
        }
        return left;
    }

    private Node parsePow() {
        Node left = parseUnary(true);
        while (peek().isOp("**")) {
            int pos = next().pos;
            left = new Node.Binary(pos, "**", left, parseUnary(true));
        }
        return left;
    }

    private Node parseUnary(boolean withFilter) {
        Token t = peek();
        Node node;
        if (t.isOp("-") || t.isOp("+")) {
            i++;
            enter();
            node = new Node.Unary(t.pos, t.text, parseUnary(false));
            depth--;
        } else {
            node = parsePrimary();
        }
        node = postfix(node);
        return withFilter ? filterExpr(node) : node;
    }

    private Node parsePrimary() {
        Token t = next();
        switch (t.type) {
            case NAME:
                switch (t.text) {
                    case "true": case "True": return new Node.Literal(t.pos, Boolean.TRUE);
                    case "false": case "False": return new Node.Literal(t.pos, Boolean.FALSE);
                    case "none": case "None": return new Node.Literal(t.pos, null);
                    default: return new Node.Name(t.pos, t.text);
                }
            case STRING: {
                StringBuilder sb = new StringBuilder(t.text);
                while (peek().type == Type.STRING) sb.append(next().text); // 'a' 'b' == 'ab'
                return new Node.Literal(t.pos, sb.toString());
            }
            case INT:
            case FLOAT:
                return new Node.Literal(t.pos, t.value);
            case OP:
                if (t.text.equals("(")) return parenthesized(t.pos);
                if (t.text.equals("[")) return listLiteral(t.pos);
                if (t.text.equals("{")) return dictLiteral(t.pos);
                break;
            default:
                break;
        }
        throw syntax("unexpected " + t, t.pos);
    }

    private Node parenthesized(int pos) {
        enter();
        List<Node> items = new ArrayList<>();
        boolean tuple = false;
        while (!peek().isOp(")")) {
            if (!items.isEmpty()) {
                expectOp(",");
                tuple = true;
                if (peek().isOp(")")) break;
            }
            items.add(expression());
        }
        expectOp(")");
        depth--;
        if (items.size() == 1 && !tuple) return items.get(0);
        return new Node.ListLit(pos, items, true);
    }

    private Node listLiteral(int pos) {
        enter();
        List<Node> items = new ArrayList<>();
        while (!peek().isOp("]")) {
            if (!items.isEmpty()) {
                expectOp(",");
                if (peek().isOp("]")) break;
            }
            items.add(expression());
        }
        expectOp("]");
        depth--;
        return new Node.ListLit(pos, items, false);
    }

    private Node dictLiteral(int pos) {
        enter();
        List<Node> keys = new ArrayList<>();
        List<Node> values = new ArrayList<>();
        while (!peek().isOp("}")) {
            if (!keys.isEmpty()) {
                expectOp(",");
                if (peek().isOp("}")) break;
            }
            keys.add(expression());
            expectOp(":");
            values.add(expression());
        }
        expectOp("}");
        depth--;
        return new Node.DictLit(pos, keys, values);
    }

    private Node postfix(Node node) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                i++;
                Token name = next();
                if (name.type == Type.NAME) {
                    node = new Node.Attr(t.pos, node, name.text);
                } else if (name.type == Type.INT) {
                    node = new Node.Item(t.pos, node, new Node.Literal(name.pos, name.value));
                } else {
                    throw syntax("expected an attribute name after '.' but found " + name, name.pos);
                }
            } else if (t.isOp("[")) {
                i++;
                node = subscript(t.pos, node);
            } else if (t.isOp("(")) {
                i++;
                node = new Node.Call(t.pos, node, callArgs());
            } else {
                return node;
            }
        }
    }

    private Node subscript(int pos, Node obj) {
        enter();
        Node start = null;
        if (!peek().isOp(":")) {
            start = expression();
            if (peek().isOp("]")) {
                i++;
                depth--;
                return new Node.Item(pos, obj, start);
            }
            if (peek().isOp(",")) throw syntax("multi-dimensional subscripts are not supported", peek().pos);
        }
        expectOp(":");
        Node stop = null;
        Node step = null;
        if (!peek().isOp("]") && !peek().isOp(":")) stop = expression();
        if (peek().isOp(":")) {
            i++;
            if (!peek().isOp("]")) step = expression();
        }
        expectOp("]");
        depth--;
        return new Node.Slice(pos, obj, start, stop, step);
    }

    /** Arguments after "(" up to and including ")". */
    private Node.Args callArgs() {
        enter();
        List<Node> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Node> named = new ArrayList<>();
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) {
                expectOp(",");
                if (peek().isOp(")")) break;
            }
            first = false;
            if (peek().isOp("*") || peek().isOp("**")) throw syntax("*args and **kwargs are not supported", peek().pos);
            if (peek().type == Type.NAME && peek(1).isOp("=")) {
                names.add(next().text);
                i++;
                named.add(expression());
            } else {
                if (!names.isEmpty()) throw syntax("positional argument after keyword argument", peek().pos);
                positional.add(expression());
            }
        }
        expectOp(")");
        depth--;
        return new Node.Args(positional, names, named);
    }

    private Node filterExpr(Node node) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                node = filterChain(node);
            } else if (t.isName("is")) {
                node = test(node);
            } else if (t.isOp("(")) {
                i++;
                node = new Node.Call(t.pos, node, callArgs());
            } else {
                return node;
            }
        }
    }

    /** One or more "| name(args)" applied to {@code value} (null: the text captured by a block). */
    final Node filterChain(Node value) {
        Node node = value;
        boolean first = true;
        while (peek().isOp("|") || (first && value == null)) {
            first = false;
            Token pipe = next();
            int namePos = peek().pos;
            String name = dottedName();
            if (!Filters.isKnownFilter(name)) throw syntax("no filter named '" + name + "'", namePos);
            Node.Args args = Node.Args.NONE;
            if (peek().isOp("(")) {
                i++;
                args = callArgs();
            }
            node = new Node.Filter(pipe.pos, node, name, args);
        }
        return node;
    }

    private Node test(Node value) {
        int pos = next().pos;
        boolean negated = false;
        if (peek().isName("not")) {
            i++;
            negated = true;
        }
        int namePos = peek().pos;
        String name = dottedName();
        if (!Filters.isTestName(name)) throw syntax("no test named '" + name + "'", namePos);
        Node.Args args = Node.Args.NONE;
        Token t = peek();
        if (t.isOp("(")) {
            i++;
            args = callArgs();
        } else if ((t.type == Type.NAME || t.type == Type.STRING || t.type == Type.INT || t.type == Type.FLOAT
                || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and") && !t.isName("is")
                && !t.isName("if")) {
            // "x is divisibleby 3", "x is sameas false": one argument without parentheses
            args = new Node.Args(List.of(postfix(parsePrimary())), List.of(), List.of());
        }
        return new Node.Test(pos, value, name, args, negated);
    }

    private String dottedName() {
        StringBuilder sb = new StringBuilder(expectNameToken());
        while (peek().isOp(".") && peek(1).type == Type.NAME) {
            i++;
            sb.append('.').append(next().text);
        }
        return sb.toString();
    }

    // ---- token helpers ------------------------------------------------------------------------------

    final Token peek() { return toks.get(i); }

    final Token peek(int ahead) { return toks.get(Math.min(i + ahead, toks.size() - 1)); }

    final Token next() {
        Token t = toks.get(i);
        if (t.type != Type.EOF) i++;
        return t;
    }

    final void expect(Type type) {
        Token t = peek();
        if (t.type != type) {
            String want;
            switch (type) {
                case VAR_END: want = "'}}'"; break;
                case BLOCK_END: want = "'%}'"; break;
                case BLOCK_BEGIN: want = "'{%'"; break;
                case VAR_BEGIN: want = "'{{'"; break;
                case EOF: want = "end of template"; break;
                default: want = type.name().toLowerCase(java.util.Locale.ROOT);
            }
            throw syntax("expected " + want + " but found " + t, t.pos);
        }
        i++;
    }

    final void expectOp(String op) {
        Token t = peek();
        if (!t.isOp(op)) throw syntax("expected '" + op + "' but found " + t, t.pos);
        i++;
    }

    final void expectName(String name) {
        Token t = peek();
        if (!t.isName(name)) throw syntax("expected '" + name + "' but found " + t, t.pos);
        i++;
    }

    final String expectNameToken() {
        Token t = peek();
        if (t.type != Type.NAME) throw syntax("expected a name but found " + t, t.pos);
        i++;
        return t.text;
    }

    final void enter() {
        if (++depth > maxNesting) {
            throw new TemplateException(TemplateException.Kind.LIMIT,
                    "template nests deeper than " + maxNesting + " levels", src, peek().pos);
        }
    }

    final TemplateException syntax(String message, int pos) {
        return new TemplateException(TemplateException.Kind.SYNTAX, message, src, pos);
    }
}
