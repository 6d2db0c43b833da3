package dev.edgellm.chat;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Small templates with the renderings (or failures) Python Jinja2 gives them: semantics.tsv. */
class JinjaSemanticsTest {
    @TestFactory
    Stream<DynamicTest> behavesLikeJinja2() {
        return TestData.tsv("semantics.tsv").stream().map(row -> DynamicTest.dynamicTest(row[0], () -> {
            String source = TestData.unescape(row[1]);
            String expected = TestData.unescape(row[3]);
            if (expected.equals("!SYNTAX")) {
                TemplateException e = assertThrows(TemplateException.class, () -> TemplateRenderer.compile(source));
                assertEquals(TemplateException.Kind.SYNTAX, e.kind(), e.getMessage());
                return;
            }
            TemplateRenderer t = TemplateRenderer.compile(source);
            if (expected.startsWith("!")) {
                TemplateException e = assertThrows(TemplateException.class, () -> t.render(TestData.variables(row[2])));
                if (expected.startsWith("!RAISED: ")) {
                    assertEquals(TemplateException.Kind.RAISED, e.kind(), e.getMessage());
                    assertEquals(expected.substring("!RAISED: ".length()), e.problem());
                } else {
                    assertEquals(TemplateException.Kind.RUNTIME, e.kind(), e.getMessage());
                }
                return;
            }
            assertEquals(expected, t.render(TestData.variables(row[2])));
        }));
    }
}
