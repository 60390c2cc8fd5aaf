package dev.apalis.spring.boot.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The HTML writer escapes every text and attribute value and refuses to produce unbalanced markup.
 */
class HtmlTests {

    @Test
    void escapesTextAndAttributeValues() {
        Html html = new Html();
        html.open("p", "title", "\"><script>x</script>").text("<b>&'</b>").end();
        assertThat(html.toString()).endsWith(
                "<p title=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">&lt;b&gt;&amp;&#39;&lt;/b&gt;</p>");
    }

    @Test
    void leavesOutNullAttributesAndWritesEmptyOnesBare() {
        Html html = new Html();
        html.empty("input", "type", "checkbox", "checked", "", "title", null);
        assertThat(html.toString()).endsWith("<input type=\"checkbox\" checked>");
    }

    @Test
    void refusesUnclosedElements() {
        Html html = new Html();
        html.open("main").open("p");
        assertThatIllegalStateException().isThrownBy(html::toString).withMessageContaining("[p, main]");
    }
}
