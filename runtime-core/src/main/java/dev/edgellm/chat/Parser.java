package dev.edgellm.chat;

import dev.edgellm.chat.Lexer.Token;
import dev.edgellm.chat.Lexer.Type;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Recursive-descent parser for the Jinja subset: template text, {@code {{ }}} and the statements
 * for/if/set/macro/filter/break/continue (plus Hugging Face's {@code {% generation %}}). Expressions are
 * parsed by {@link ExpressionParser}. Statement nesting counts towards the same limit as expression nesting.
 */
final class Parser extends ExpressionParser {
    private int loopDepth;

    private Parser(String src, List<Token> toks, int maxNesting) {
        super(src, toks, maxNesting);
    }

    static List<Node> parse(String normalizedSource, TemplateOptions options) {
        Parser p = new Parser(normalizedSource, Lexer.tokenize(normalizedSource, options), options.maxNesting());
        try {
            List<Node> body = p.subparse();
            p.expect(Type.EOF);
            return body;
        } catch (Values.Fail f) { // Node.MAX_HEIGHT
            throw new TemplateException(f.kind, f.getMessage(), normalizedSource, f.pos);
        }
    }

    /** Parses a single expression (used for tests and for typed extra variables). */
    static Node parseExpression(String expression, TemplateOptions options) {
        String src = "{{ " + expression + " }}";
        Parser p = new Parser(src, Lexer.tokenize(src, options), options.maxNesting());
        try {
            p.expect(Type.VAR_BEGIN);
            Node n = p.expression();
            p.expect(Type.VAR_END);
            p.expect(Type.EOF);
            return n;
        } catch (Values.Fail f) {
            throw new TemplateException(f.kind, f.getMessage(), src, f.pos);
        }
    }

    // ---- statements ---------------------------------------------------------------------------------

    /** Parses until EOF or until a block tag named in {@code ends} (left unconsumed). */
    private List<Node> subparse(String... ends) {
        enter();
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.type == Type.TEXT) {
                body.add(new Node.Text(t.pos, t.text));
                i++;
            } else if (t.type == Type.VAR_BEGIN) {
                i++;
                Node e = expression();
                expect(Type.VAR_END);
                body.add(new Node.Emit(t.pos, e));
            } else if (t.type == Type.BLOCK_BEGIN) {
                Token name = peek(1);
                if (name.type == Type.NAME && Arrays.asList(ends).contains(name.text)) break;
                i++;
                body.add(statement(ends));
            } else if (t.type == Type.EOF) {
                if (ends.length > 0) {
                    throw syntax("template ended inside a block: expected {% " + String.join(" %} or {% ", ends)
                            + " %}", t.pos);
                }
                break;
            } else {
                throw syntax("unexpected " + t, t.pos);
            }
        }
        depth--;
        return body;
    }

    private Node statement(String[] openEnds) {
        Token name = peek();
        if (name.type != Type.NAME) throw syntax("expected a tag name but found " + name, name.pos);
        i++;
        switch (name.text) {
            case "for": return parseFor(name.pos);
            case "if": return parseIf(name.pos);
            case "set": return parseSet(name.pos);
            case "macro": return parseMacro(name.pos);
            case "filter": return parseFilterBlock(name.pos);
            case "break":
            case "continue":
                if (loopDepth == 0) throw syntax("'" + name.text + "' outside of a loop", name.pos);
                expect(Type.BLOCK_END);
                return new Node.LoopControl(name.pos, name.text.equals("break"));
            case "generation": {
                // Hugging Face's {% generation %} only marks assistant tokens; it renders its body as is.
                expect(Type.BLOCK_END);
                List<Node> body = subparse("endgeneration");
                endTag("endgeneration");
                return new Node.If(name.pos, List.of(new Node.Literal(name.pos, Boolean.TRUE)), List.of(body),
                        List.of());
            }
            default:
                if (openEnds.length > 0 && (name.text.startsWith("end") || name.text.equals("else")
                        || name.text.equals("elif"))) {
                    throw syntax("unexpected '" + name.text + "': expected {% " + String.join(" %} or {% ", openEnds)
                            + " %}", name.pos);
                }
                throw syntax("unknown or unsupported tag '" + name.text + "'", name.pos);
        }
    }

    private Node parseFor(int pos) {
        List<String> targets = targetNames();
        expectName("in");
        Node iter = tupleOrExpression(false);
        Node filter = null;
        if (peek().isName("if")) {
            i++;
            filter = expression();
        }
        if (peek().isName("recursive")) throw syntax("recursive loops are not supported", peek().pos);
        expect(Type.BLOCK_END);
        loopDepth++;
        List<Node> body = subparse("endfor", "else");
        loopDepth--;
        List<Node> orElse = List.of();
        if (peek(1).isName("else")) {
            i += 2;
            expect(Type.BLOCK_END);
            orElse = subparse("endfor");
        }
        endTag("endfor");
        return new Node.For(pos, targets, iter, filter, body, orElse);
    }

    private Node parseIf(int pos) {
        List<Node> conditions = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        conditions.add(expression());
        expect(Type.BLOCK_END);
        bodies.add(subparse("elif", "else", "endif"));
        List<Node> orElse = List.of();
        while (true) {
            String tag = peek(1).text;
            i += 2;
            if (tag.equals("elif")) {
                conditions.add(expression());
                expect(Type.BLOCK_END);
                bodies.add(subparse("elif", "else", "endif"));
            } else if (tag.equals("else")) {
                expect(Type.BLOCK_END);
                orElse = subparse("endif");
                endTag("endif");
                break;
            } else {
                expect(Type.BLOCK_END);
                break;
            }
        }
        return new Node.If(pos, conditions, bodies, orElse);
    }

    private Node parseSet(int pos) {
        if (peek().type == Type.NAME && peek(1).isOp(".") && peek(2).type == Type.NAME && peek(3).isOp("=")) {
            Token ns = next();
            i++;
            String attr = next().text;
            i++;
            Node value = tupleOrExpression(true);
            expect(Type.BLOCK_END);
            return new Node.Set(pos, List.of(), new Node.Name(ns.pos, ns.text), attr, value);
        }
        List<String> targets = targetNames();
        if (peek().isOp("=")) {
            i++;
            Node value = tupleOrExpression(true);
            expect(Type.BLOCK_END);
            return new Node.Set(pos, targets, null, null, value);
        }
        if (targets.size() != 1) throw syntax("a block set takes exactly one name", pos);
        Node filter = peek().isOp("|") ? filterChain(null) : null;
        expect(Type.BLOCK_END);
        List<Node> body = subparse("endset");
        endTag("endset");
        return new Node.SetBlock(pos, targets.get(0), body, filter);
    }

    private Node parseMacro(int pos) {
        String name = expectNameToken();
        expectOp("(");
        List<String> params = new ArrayList<>();
        List<Node> defaults = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (peek().isOp(")")) break;
            params.add(expectNameToken());
            if (peek().isOp("=")) {
                i++;
                defaults.add(expression());
            } else {
                defaults.add(null);
            }
        }
        expectOp(")");
        expect(Type.BLOCK_END);
        int savedLoops = loopDepth;
        loopDepth = 0;
        List<Node> body = subparse("endmacro");
        loopDepth = savedLoops;
        endTag("endmacro");
        return new Node.Macro(pos, name, params, defaults, body);
    }

    private Node parseFilterBlock(int pos) {
        i--; // re-read "filter" as if it followed a pipe
        Node filter = filterChain(null);
        expect(Type.BLOCK_END);
        List<Node> body = subparse("endfilter");
        endTag("endfilter");
        return new Node.FilterBlock(pos, filter, body);
    }

    private List<String> targetNames() {
        boolean paren = peek().isOp("(");
        if (paren) i++;
        List<String> names = new ArrayList<>();
        names.add(expectNameToken());
        while (peek().isOp(",")) {
            i++;
            if (peek().type != Type.NAME || peek().isName("in")) break;
            names.add(expectNameToken());
        }
        if (paren) expectOp(")");
        return names;
    }

    /** Consumes "{% name %}" (the BLOCK_BEGIN is the current token). */
    private void endTag(String name) {
        expect(Type.BLOCK_BEGIN);
        expectName(name);
        expect(Type.BLOCK_END);
    }
}
