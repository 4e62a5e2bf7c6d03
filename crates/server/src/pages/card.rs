//! Model cards from markdown to HTML that cannot run: pulldown-cmark renders, ammonia keeps only
//! harmless tags and attributes (no script, style, iframe, form, event handler or
//! `javascript:`/`data:` URL), and links leave with `rel="noopener noreferrer nofollow"`.

use std::collections::HashSet;

use pulldown_cmark::{html, Options, Parser};

/// Card text rendered at most; longer cards are cut (at a character boundary) with a note.
const MAX_CARD_CHARS: usize = 200_000;

pub fn render(markdown: &str) -> String {
    let text: String = markdown.chars().take(MAX_CARD_CHARS).collect();
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(text.len() * 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(&text, options));
    let mut clean = ammonia::Builder::default()
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string();
    if markdown.chars().count() > MAX_CARD_CHARS {
        clean.push_str("<p><em>(card cut at 200,000 characters)</em></p>");
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn nothing_that_runs_survives() {
        let hostile = r#"# Title

<script>document.title='pwned'</script>

<img src=x onerror="alert(1)">

[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)

<iframe src="https://example.com"></iframe>

<form action="/x"><input name=a></form>

<style>body{display:none}</style>

<a href="https://ok.example" onclick="alert(1)" style="color:red">fine link</a>

<svg><script>alert(1)</script></svg>

| a | b |
|---|---|
| 1 | 2 |
"#;
        let html = render(hostile).to_lowercase();
        // Text may mention anything; no tag, attribute or URL that acts may remain.
        for banned in [
            "<script",
            "onerror=",
            "onclick=",
            "=\"javascript:",
            "=\"data:",
            "<iframe",
            "<form",
            "<input",
            "<style",
            "style=",
            "<svg",
        ] {
            assert!(!html.contains(banned), "{banned} survived in {html}");
        }
        assert!(html.contains("<h1>title</h1>"));
        assert!(html.contains("fine link"));
        assert!(html.contains("<table>"));
        assert!(html.contains(r#"rel="noopener noreferrer nofollow""#));
    }
}
