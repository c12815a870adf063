//! What a node accepts and what it refuses, and why.

use aduana_exchange::{
    Attachment, Content, InformationReply, InformationRequest, NominalData, NominalPerson, RejectReason, SeizureNotice,
    SendError, receive, rng_from_seed, seal,
};
use chrono::{NaiveDate, TimeDelta};

use crate::nodes::{config, deliver, free_text, group_with, nodes, send, t0};

#[test]
fn exchange_group_of_two_receives_a_message_that_an_outsider_can_neither_read_nor_forge() {
    let mut rng = rng_from_seed([1; 32]);
    let [mut owner, mut member, mut outsider]: [_; 3] =
        nodes(&["es", "fr", "xx"], &mut rng).try_into().expect("three nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);

    let mut content = free_text("container MSCU1234565 carries a false floor");
    if let Some(attachments) = content.attachments_mut() {
        attachments.push(Attachment {
            name: "x-ray.png".to_owned(),
            media_type: "image/png".to_owned(),
            data: vec![137, 80, 78, 71],
        });
    }
    let sealed = send(&owner, &group, &content, &mut rng);

    assert!(!String::from_utf8_lossy(&sealed.bytes).contains("false floor"), "the content is encrypted");
    let received = deliver(&mut member, &sealed.bytes).expect("the member accepts");
    assert_eq!(received.content, content);
    assert_eq!(received.sender, *owner.identity.id());
    assert_eq!(received.group_name, "cocaine-routes");

    // The outsider cannot read it.
    let rejection = deliver(&mut outsider, &sealed.bytes).expect_err("the outsider cannot read it");
    assert_eq!(rejection.reason, RejectReason::NotAddressedToUs);

    // Nor can it forge: it cannot send to a group it is not in, and a look-alike group with the same id that it
    // owns is refused by the member.
    assert!(matches!(seal(&outsider, &group, &free_text("fake"), t0(), &mut rng), Err(SendError::UnknownGroup(_))));
    let fake = aduana_exchange::group::create(&outsider.identity, group.clone(), "cocaine-routes", true, t0())
        .expect("created");
    outsider.directory.accept_membership(&outsider.identity.clone(), fake).expect("own group");
    let fake_change = outsider
        .change_membership(&group, &[member.identity.public().clone()], &[], t0())
        .expect("outsider owns its copy");
    let forged_membership = send(&outsider, &group, &Content::MembershipChange(fake_change), &mut rng);
    let rejection = deliver(&mut member, &forged_membership.bytes).expect_err("refused");
    assert_eq!(rejection.reason, RejectReason::NotAMember, "{rejection}");
    let forged = send(&outsider, &group, &free_text("release the container"), &mut rng);
    let rejection = deliver(&mut member, &forged.bytes).expect_err("refused");
    assert_eq!(rejection.reason, RejectReason::NotAMember, "{rejection}");
}

#[test]
fn exchange_envelope_with_any_single_byte_flipped_is_rejected() {
    let mut rng = rng_from_seed([2; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let sealed = send(&owner, &group, &free_text("check reefer TRIU0000009"), &mut rng);

    for position in 0..sealed.bytes.len() {
        for mask in [0x01u8, 0x20, 0x80] {
            let mut tampered = sealed.bytes.clone();
            tampered[position] ^= mask;
            let result = deliver(&mut member, &tampered);
            let rejection = result.expect_err(&format!("byte {position} ^ {mask:#04x} must be refused"));
            assert!(
                matches!(
                    rejection.reason,
                    RejectReason::Tampered | RejectReason::Malformed | RejectReason::UnknownSender
                ),
                "byte {position}: {rejection}"
            );
        }
    }
    deliver(&mut member, &sealed.bytes).expect("the untouched envelope is still accepted");
}

#[test]
fn exchange_tampered_ciphertext_is_rejected_as_tampered() {
    let mut rng = rng_from_seed([3; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let sealed = send(&owner, &group, &free_text("x"), &mut rng);
    let text = String::from_utf8(sealed.bytes).expect("utf-8");
    let start = text.find("\"ciphertext\":\"").expect("has ciphertext") + 14;
    let mut bytes = text.into_bytes();
    bytes[start] = if bytes[start] == b'A' { b'B' } else { b'A' };
    let rejection = deliver(&mut member, &bytes).expect_err("refused");
    assert_eq!(rejection.reason, RejectReason::Tampered);
}

#[test]
fn exchange_replayed_message_is_rejected() {
    let mut rng = rng_from_seed([4; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let sealed = send(&owner, &group, &free_text("once"), &mut rng);

    deliver(&mut member, &sealed.bytes).expect("first delivery accepted");
    let rejection = deliver(&mut member, &sealed.bytes).expect_err("replay refused");

    assert_eq!(rejection.reason, RejectReason::Replay);
    assert_eq!(rejection.message_id.as_ref(), Some(&sealed.id));
}

#[test]
fn exchange_message_from_a_removed_member_is_rejected() {
    let mut rng = rng_from_seed([5; 32]);
    let [mut owner, mut leaver, mut stayer]: [_; 3] =
        nodes(&["es", "fr", "it"], &mut rng).try_into().expect("three nodes");
    let group = group_with(&mut owner, &mut [&mut leaver, &mut stayer], false, &mut rng);
    let before = send(&leaver, &group, &free_text("still in"), &mut rng);
    deliver(&mut stayer, &before.bytes).expect("a member's message is accepted");

    let change = owner.change_membership(&group, &[], &[leaver.identity.id().clone()], t0()).expect("removed");
    let notice = send(&owner, &group, &Content::MembershipChange(change), &mut rng);
    assert_eq!(notice.recipients, vec![stayer.identity.id().clone()], "only current members get the change");
    deliver(&mut stayer, &notice.bytes).expect("the stayer applies the removal");

    // The removed member has not heard of its removal and still sends.
    let after = send(&leaver, &group, &free_text("after removal"), &mut rng);
    let rejection = deliver(&mut stayer, &after.bytes).expect_err("refused");
    assert_eq!(rejection.reason, RejectReason::RemovedMember, "{rejection}");
    assert!(!send(&owner, &group, &free_text("x"), &mut rng).recipients.contains(leaver.identity.id()));
}

#[test]
fn exchange_membership_change_older_than_the_current_one_is_rejected() {
    let mut rng = rng_from_seed([6; 32]);
    let [mut owner, mut member, third]: [_; 3] = nodes(&["es", "fr", "it"], &mut rng).try_into().expect("nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let old = owner.directory.groups[&group].current.clone();
    let newer = owner.change_membership(&group, &[third.identity.public().clone()], &[], t0()).expect("changed");
    deliver(&mut member, &send(&owner, &group, &Content::MembershipChange(newer), &mut rng).bytes).expect("newer");

    let stale = send(&owner, &group, &Content::MembershipChange(old), &mut rng);
    let rejection = deliver(&mut member, &stale.bytes).expect_err("older record refused");

    assert_eq!(rejection.reason, RejectReason::MembershipRejected, "{rejection}");
    assert_eq!(member.directory.groups[&group].record().serial, 3);
}

#[test]
fn exchange_stale_or_future_message_is_rejected() {
    let mut rng = rng_from_seed([7; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let sealed = send(&owner, &group, &free_text("late"), &mut rng);

    let late = receive(&mut member, &sealed.bytes, t0() + TimeDelta::hours(25), &config()).expect_err("stale");
    let early = receive(&mut member, &sealed.bytes, t0() - TimeDelta::hours(1), &config()).expect_err("future");

    assert_eq!(late.reason, RejectReason::Stale);
    assert_eq!(early.reason, RejectReason::Stale);
    receive(&mut member, &sealed.bytes, t0() + TimeDelta::hours(23), &config()).expect("inside the window");
}

#[test]
fn exchange_message_from_an_unknown_sender_is_rejected() {
    let mut rng = rng_from_seed([8; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let sealed = send(&owner, &group, &free_text("hello"), &mut rng);
    let [mut stranger]: [_; 1] = nodes(&["zz"], &mut rng).try_into().expect("one node");
    stranger.identity = member.identity.clone(); // the right keys, but no directory

    let rejection = deliver(&mut stranger, &sealed.bytes).expect_err("refused");

    assert_eq!(rejection.reason, RejectReason::UnknownSender);
}

#[test]
fn exchange_seizure_notice_with_nominal_data_needs_a_group_that_allows_it() {
    let mut rng = rng_from_seed([9; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let closed = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let mut notice = SeizureNotice {
        seized_on: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        place: "Algeciras".to_owned(),
        country: Some("ES".parse().expect("country")),
        goods: "cocaine".to_owned(),
        hs_code: None,
        quantity: Some("120 kg".to_owned()),
        concealment: Some("false floor of a reefer".to_owned()),
        route: Some("EC-PA-ES".to_owned()),
        nominal: Some(NominalData {
            persons: vec![NominalPerson { name: "J. Doe".to_owned(), nationality: None, date_of_birth: None }],
            companies: vec![],
        }),
        attachments: vec![],
    };

    let refused = seal(&owner, &closed, &Content::SeizureNotice(notice.clone()), t0(), &mut rng);
    assert!(matches!(refused, Err(SendError::NominalDataNotAllowed(_))), "{refused:?}");

    notice.nominal = None;
    let sealed = send(&owner, &closed, &Content::SeizureNotice(notice.clone()), &mut rng);
    let received = deliver(&mut member, &sealed.bytes).expect("the non-nominal part is accepted");
    assert_eq!(received.content, Content::SeizureNotice(notice));
}

#[test]
fn exchange_reply_is_linked_to_its_request_by_id() {
    let mut rng = rng_from_seed([10; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let request = Content::InformationRequest(InformationRequest {
        subject: "consignee history".to_owned(),
        question: "Have you seen consignee ACME SL before?".to_owned(),
        reference: Some("MRN 26ES000000000001".to_owned()),
        attachments: vec![],
    });
    let asked = send(&owner, &group, &request, &mut rng);
    let received = deliver(&mut member, &asked.bytes).expect("accepted");

    let reply = Content::InformationReply(InformationReply {
        in_reply_to: received.id.clone(),
        answer: "Yes, twice in 2025.".to_owned(),
        attachments: vec![],
    });
    let answered = send(&member, &group, &reply, &mut rng);
    let got = deliver(&mut owner, &answered.bytes).expect("accepted");

    assert!(matches!(got.content, Content::InformationReply(r) if r.in_reply_to == asked.id));
}

#[test]
fn exchange_malformed_envelopes_are_rejected_as_malformed_with_a_reason() {
    let mut rng = rng_from_seed([11; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let good = String::from_utf8(send(&owner, &group, &free_text("x"), &mut rng).bytes).expect("utf-8");
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "EOF while parsing"),
        ("not json", "hello".to_owned(), "expected value"),
        ("an array", "[]".to_owned(), "expected struct"),
        ("version 2", good.replacen("{\"version\":1,", "{\"version\":2,", 1), "unsupported envelope version 2"),
        ("unknown outer field", format!("{},\"extra\":1}}", &good[..good.len() - 1]), "unknown field `extra`"),
        ("unknown signed field", good.replacen("\"kind\":", "\"mood\":\"x\",\"kind\":", 1), "unknown field `mood`"),
        ("bad base64 signature", good.replacen("\"signature\":\"", "\"signature\":\"!", 1), "expected base64"),
        ("upper-case id", good.replacen("\"id\":\"", "\"id\":\"A", 1), "invalid message id"),
        ("truncated", good[..good.len() / 2].to_owned(), "EOF while parsing"),
    ];
    for (case, bytes, expected) in cases {
        let rejection = crate::nodes::deliver(&mut member, bytes.as_bytes()).expect_err(case);
        assert_eq!(rejection.reason, RejectReason::Malformed, "{case}: {rejection}");
        assert!(rejection.detail.contains(expected), "{case}: {} does not mention {expected:?}", rejection.detail);
    }
    let small = aduana_exchange::ReceiveConfig { max_envelope_bytes: 100, ..config() };
    let rejection = receive(&mut member, good.as_bytes(), t0(), &small).expect_err("oversized");
    assert_eq!(rejection.reason, RejectReason::Malformed);
    assert!(rejection.detail.contains("exceeds the limit of 100"), "{}", rejection.detail);
}

#[test]
fn exchange_malformed_identity_files_are_refused_with_what_was_expected() {
    let cases: [(&str, &str, &str); 4] = [
        ("not json", "nope", "expected a public identity file"),
        (
            "bad version",
            r#"{"version":9,"name":"x","signing_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","encryption_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}"#,
            "unsupported public identity file version 9",
        ),
        (
            "short key",
            r#"{"version":1,"name":"x","signing_key":"AAAA","encryption_key":"AAAA"}"#,
            "expected 32 bytes, found 3",
        ),
        (
            "bad name",
            r#"{"version":1,"name":"a b","signing_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","encryption_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}"#,
            "invalid node name",
        ),
    ];
    for (case, text, expected) in cases {
        let error = aduana_exchange::PublicIdentity::from_json(text.as_bytes()).expect_err(case);
        let message =
            format!("{error}: {}", std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default());
        assert!(message.contains(expected), "{case}: {message}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Whatever the text and attachment bytes, a member reads exactly what was sent.
    #[test]
    fn exchange_any_content_round_trips_through_seal_and_receive(
        text in "\\PC{0,200}",
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        seed in proptest::num::u8::ANY,
    ) {
        let mut rng = rng_from_seed([seed; 32]);
        let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
        let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
        let mut content = free_text(&text);
        if let Some(attachments) = content.attachments_mut() {
            attachments.push(Attachment { name: "a.bin".to_owned(), media_type: "application/octet-stream".to_owned(), data });
        }
        let sealed = crate::nodes::send(&owner, &group, &content, &mut rng);
        let received = crate::nodes::deliver(&mut member, &sealed.bytes).expect("accepted");
        proptest::prop_assert_eq!(received.content, content);
    }
}

#[test]
fn exchange_members_verify_each_other_with_keys_vouched_for_by_the_owner() {
    let mut rng = rng_from_seed([12; 32]);
    let [mut owner, mut first, mut second]: [_; 3] =
        nodes(&["es", "fr", "it"], &mut rng).try_into().expect("three nodes");
    // The members imported only the owner's identity, not each other's.
    first.directory.peers.retain(|id, _| id == owner.identity.id());
    second.directory.peers.retain(|id, _| id == owner.identity.id());
    let group = group_with(&mut owner, &mut [&mut first, &mut second], false, &mut rng);

    let sealed = send(&first, &group, &free_text("from fr"), &mut rng);
    let received = crate::nodes::deliver(&mut second, &sealed.bytes).expect("accepted through the owner's record");

    assert_eq!(received.sender_name, "fr");
}
