//! Tests of the bounded XML tree: positions, XPaths and the refusal of hostile input.

use crate::golden::test_limits;
use crate::xml::XmlDocument;

fn parse(text: &str) -> Result<XmlDocument, String> {
    XmlDocument::parse(text.as_bytes(), "t.xml", &test_limits()).map_err(|d| d.to_string())
}

#[test]
fn elements_know_their_positional_xpath_and_line() {
    let doc = parse("<?xml version=\"1.0\"?>\n<ie:CC315A xmlns:ie=\"urn:x\">\n  <GOOITEGDS><A>1</A></GOOITEGDS>\n  <GOOITEGDS>\n    <A>x &amp; y</A>\n  </GOOITEGDS>\n</ie:CC315A>\n")
        .expect("well formed");
    let second = doc.children_named(doc.root(), "GOOITEGDS").nth(1).expect("two items");
    let a = doc.child(second, "A").expect("A");
    assert_eq!(doc.xpath(a), "/ie:CC315A[1]/GOOITEGDS[2]/A[1]");
    assert_eq!(doc.element(a).text, "x & y");
    assert_eq!((doc.element(a).line, doc.element(a).column), (5, 5));
    assert_eq!(doc.location(a).short(), "/ie:CC315A[1]/GOOITEGDS[2]/A[1]");
    assert_eq!(doc.text_at(doc.root(), &["GOOITEGDS", "A"]), Some("1"));
}

#[test]
fn billion_laughs_is_refused_because_dtds_are() {
    let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n<lolz>&lol2;</lolz>";
    let error = parse(bomb).expect_err("DTD");
    assert!(error.starts_with("t.xml:2:1: error[xml_dtd_forbidden]"), "{error}");
}

#[test]
fn undefined_entity_is_a_located_error() {
    let error = parse("<a>\n<b>&ext;</b></a>").expect_err("entity");
    assert!(error.contains("error[xml_syntax]") && error.contains("t.xml:2:"), "{error}");
}

#[test]
fn deep_nesting_is_refused_at_the_limit() {
    let text = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let error = parse(&text).expect_err("deep");
    assert!(error.contains("xml_too_deep"), "{error}");
}

#[test]
fn malformed_documents_get_located_errors() {
    for (text, expected) in [
        ("<a><b></a>", "xml_syntax"),
        ("<a>", "xml_syntax"),
        ("", "xml_syntax"),
        ("<a/><b/>", "xml_syntax"),
        ("<a x='1' x='2'/>", "xml_syntax"),
        ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", "xml_encoding"),
    ] {
        let error = parse(text).expect_err(text);
        assert!(error.contains(expected), "case {text:?}: {error}");
    }
    let error = XmlDocument::parse(b"<a>\xff</a>", "t.xml", &test_limits()).expect_err("bytes").to_string();
    assert!(error.contains("xml_encoding"), "{error}");
}

#[test]
fn huge_attribute_beyond_the_document_limit_is_refused() {
    let text = format!("<a v=\"{}\"/>", "x".repeat(2 << 20));
    assert!(parse(&text).expect_err("too large").contains("document_too_large"));
}

#[test]
fn double_hyphen_inside_a_comment_is_a_located_syntax_error() {
    let error = parse("<a>\n<!-- open ->\n<b/>\n<!-- next -->\n</a>").expect_err("bad comment");
    assert!(error.contains("error[xml_syntax]") && error.starts_with("t.xml:"), "{error}");
}
