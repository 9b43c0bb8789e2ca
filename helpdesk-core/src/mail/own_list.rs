//! Mail relayed by a mailing list that is the helpdesk's own address: a
//! company that makes `support@` a Google Group (or a Mailman list) and
//! has the group pass its mail on to the helpdesk. Every customer's mail
//! then arrives with the list's headers (`List-Id`, `List-Unsubscribe`,
//! `Precedence: list`), which would make it list mail: no autoresponse,
//! and no reopening of the customer's ticket. And when the customer's
//! domain publishes a strict DMARC policy, the group rewrites `From` to its
//! own address (`"'Ann' via Support" <support@shop.example>`), which would
//! make the mail ours: a loop.
//!
//! The list is ours when its `List-Id` is one of our addresses with the
//! `@` read as a `.` (`<support.shop.example>` for `support@shop.example`,
//! as Google Groups and Mailman write it). Its own headers then say
//! nothing about the mail ([`via_own_list`]: classification skips them),
//! and a `From` rewritten to our address stands for the sender the group
//! names in `X-Original-From`, `X-Original-Sender` or `Reply-To`
//! ([`original_sender`]). Our own mail relayed back by the group (no such
//! header naming someone else) stays ours.

use super::parse::{Address, InboundMail};
use crate::model::normalized_email;

/// Whether `mail` came through a mailing list that is one of
/// `own_addresses`: its `List-Id` is that address with `@` read as `.`.
pub(crate) fn via_own_list<S: AsRef<str>>(mail: &InboundMail, own_addresses: &[S]) -> bool {
    let Some(id) = mail.signals.list_id.as_deref() else {
        return false;
    };
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    own_addresses.iter().any(|own| {
        let own = normalized_email(own.as_ref());
        own.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && id.len() == own.len()
                && id
                    .get(..local.len())
                    .is_some_and(|l| l.eq_ignore_ascii_case(local))
                && id.get(local.len()..local.len() + 1) == Some(".")
                && id
                    .get(local.len() + 1..)
                    .is_some_and(|d| d.eq_ignore_ascii_case(domain))
        })
    })
}

/// The sender of a mail our own list relayed with its `From` rewritten to
/// our address (see the module documentation): the first address of
/// `X-Original-From`, `X-Original-Sender` and `Reply-To` that is a
/// plausible address and not ours; `None` for any other mail.
pub(crate) fn original_sender<S: AsRef<str>>(
    mail: &InboundMail,
    own_addresses: &[S],
) -> Option<Address> {
    let own = |address: &str| super::classify::is_own_address(address, own_addresses);
    // (Most mail comes through no list: that is checked first.)
    if mail.signals.list_id.is_none()
        || !via_own_list(mail, own_addresses)
        || !mail.from.as_ref().is_some_and(|a| own(&a.email))
    {
        return None;
    }
    let named = ["X-Original-From", "X-Original-Sender"]
        .into_iter()
        .filter_map(|name| mail.header(name))
        .filter_map(super::forwarded::address_of);
    named
        .chain(mail.reply_to.iter().cloned())
        .find(|a| crate::model::is_plausible_email(&a.email) && !own(&a.email))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{ParseLimits, parse};

    fn mail(headers: &str) -> InboundMail {
        let raw = format!("{headers}Subject: Lamp\r\n\r\nWhere is my lamp?\r\n");
        parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn own() -> Vec<String> {
        vec!["Support@Shop.example".to_string()]
    }

    #[test]
    fn the_list_is_ours_when_its_id_is_our_address() {
        for (list_id, ours) in [
            ("<support.shop.example>", true),
            ("Support <SUPPORT.shop.example>", true),
            ("support.shop.example", true),
            ("<sales.shop.example>", false),
            ("<support.shop.example.evil.example>", false),
            ("<xsupport.shop.example>", false),
            ("<supportxshop.example>", false),
        ] {
            let m = mail(&format!(
                "From: ann@customer.example\r\nList-Id: {list_id}\r\n"
            ));
            assert_eq!(via_own_list(&m, &own()), ours, "{list_id}");
        }
        let m = mail("From: ann@customer.example\r\n");
        assert!(!via_own_list(&m, &own()));
    }

    #[test]
    fn a_rewritten_from_stands_for_the_original_sender() {
        let group = "From: 'Ann Nowak' via Support <support@shop.example>\r\nList-Id: <support.shop.example>\r\n";
        for (extra, want) in [
            (
                "X-Original-From: \"Ann Nowak\" <ann@customer.example>\r\nX-Original-Sender: ann@customer.example\r\n",
                Some(("Ann Nowak", "ann@customer.example")),
            ),
            (
                "X-Original-Sender: ann@customer.example\r\n",
                Some(("", "ann@customer.example")),
            ),
            (
                "Reply-To: Ann <ann@customer.example>\r\n",
                Some(("Ann", "ann@customer.example")),
            ),
            // Our own mail relayed back: it stays ours.
            (
                "X-Original-Sender: support+t1@shop.example\r\nReply-To: support@shop.example\r\n",
                None,
            ),
            ("", None),
        ] {
            let m = mail(&format!("{group}{extra}"));
            let got = original_sender(&m, &own());
            let got = got
                .as_ref()
                .map(|a| (a.name.as_deref().unwrap_or_default(), a.email.as_str()));
            assert_eq!(got, want, "{extra}");
        }
        // Not through our list, or not from our address: no change.
        let m = mail("From: support@shop.example\r\nX-Original-Sender: ann@customer.example\r\n");
        assert_eq!(original_sender(&m, &own()), None);
        let m = mail(
            "From: bob@customer.example\r\nList-Id: <support.shop.example>\r\nX-Original-Sender: ann@customer.example\r\n",
        );
        assert_eq!(original_sender(&m, &own()), None);
    }
}
