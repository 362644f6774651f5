//! `#[derive(Validate)]` as users write it: every rule, paths, params,
//! serde names, enums, parallel and batch modes.

use armature::prelude::*;
use serde_json::json;

fn strong_password(p: &str) -> Result<(), ValidationError> {
    if p.chars().any(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ValidationError::new("weak_password")
            .with_message("needs a digit")
            .with_param("min_digits", 1))
    }
}

#[derive(Validate, Debug, Clone, serde::Deserialize)]
struct Address {
    #[validate(length(min = 1, max = 64))]
    street: String,
    #[validate(pattern = r"^\d{5}$")]
    zip: String,
}

#[derive(Validate, Debug, Clone)]
struct SignUp {
    #[validate(length(min = 3, max = 32), pattern = "^[a-z0-9_]+$")]
    username: String,
    #[validate(email)]
    email: String,
    #[validate(url)]
    homepage: Option<String>,
    #[validate(range(min = 13, max = 130))]
    age: u32,
    #[validate(length(min = 8), custom = strong_password)]
    password: String,
    #[validate(must_match = password)]
    password_confirm: String,
    #[validate(nested)]
    address: Address,
    #[validate(length(max = 3), each(length(min = 1, max = 5)))]
    tags: Vec<String>,
    #[validate(required)]
    referral: Option<String>,
}

fn valid() -> SignUp {
    SignUp {
        username: "ada_l".into(),
        email: "ada@example.com".into(),
        homepage: Some("https://ada.dev".into()),
        age: 36,
        password: "analytical1".into(),
        password_confirm: "analytical1".into(),
        address: Address {
            street: "1 Engine Way".into(),
            zip: "12345".into(),
        },
        tags: vec!["math".into(), "poet".into()],
        referral: Some("babbage".into()),
    }
}

fn paths(errors: &ValidationErrors) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| (e.path.to_string(), e.error.code().to_owned()))
        .collect()
}

#[test]
fn a_valid_value_passes() {
    assert_eq!(valid().validate(), Ok(()));
    assert_eq!(valid().validate_parallel(), Ok(()));
}

#[test]
fn every_failure_is_reported_in_declaration_order() {
    let bad = SignUp {
        username: "X!".into(),
        email: "a@b@c".into(),
        homepage: Some("not a url".into()),
        age: 7,
        password: "short".into(),
        password_confirm: "other".into(),
        address: Address {
            street: String::new(),
            zip: "1234".into(),
        },
        tags: vec!["ok".into(), String::new(), "toolong".into(), "x".into()],
        referral: None,
    };
    let errors = bad.validate().unwrap_err();
    assert_eq!(
        paths(&errors),
        [
            ("username", "length"),
            ("username", "pattern"),
            ("email", "email"),
            ("homepage", "url"),
            ("age", "range"),
            ("password", "length"),
            ("password", "weak_password"),
            ("password_confirm", "must_match"),
            ("address.street", "length"),
            ("address.zip", "pattern"),
            ("tags", "length"),
            ("tags[1]", "length"),
            ("tags[2]", "length"),
            ("referral", "required"),
        ]
        .map(|(p, c)| (p.to_owned(), c.to_owned()))
    );
    assert_eq!(bad.validate_parallel(), Err(errors));
}

#[test]
fn json_shape_and_params_never_carry_the_value() {
    let mut bad = valid();
    bad.password = "hunter".into();
    bad.password_confirm = "hunter!".into();
    let errors = bad.validate().unwrap_err();
    let body = serde_json::to_value(&errors).unwrap();
    assert_eq!(
        body,
        json!({"errors": [
            {"path": "password", "code": "length", "message": "length must be at least 8", "params": {"min": 8}},
            {"path": "password", "code": "weak_password", "message": "needs a digit", "params": {"min_digits": 1}},
            {"path": "password_confirm", "code": "must_match", "message": "must match `password`", "params": {"other": "password"}},
        ]})
    );
    let text = body.to_string();
    assert!(!text.contains("hunter"), "{text}");
    assert_eq!(
        errors.to_string(),
        "password: length must be at least 8 [length]\n\
         password: needs a digit [weak_password]\n\
         password_confirm: must match `password` [must_match]"
    );
}

#[test]
fn option_rules_apply_only_when_some() {
    let mut v = valid();
    v.homepage = None;
    assert_eq!(v.validate(), Ok(()));
}

#[test]
fn length_counts_chars_not_bytes_and_huge_input_is_fine() {
    #[derive(Validate)]
    struct Name {
        #[validate(length(min = 2, max = 4))]
        name: String,
    }
    assert!(
        Name {
            name: "éé".into()
        }
        .validate()
        .is_ok()
    );
    assert!(
        Name {
            name: "日本語です".into()
        }
        .validate()
        .is_err()
    );
    let huge = Name {
        name: "ü".repeat(5_000_000),
    };
    assert_eq!(huge.validate().unwrap_err().len(), 1);
}

#[derive(Validate)]
struct Options {
    #[validate(email(code = "work_email", message = "use your work address"))]
    email: String,
    #[validate(length(equal = 4, code = "pin"))]
    pin: String,
    #[validate(range(exclusive_min = 0.0, exclusive_max = 1.0))]
    ratio: f64,
    #[validate(contains(value = "@", message = "needs an at sign"))]
    handle: String,
    #[validate(does_not_contain = "admin")]
    nick: String,
    #[validate(pattern(regex = "^[A-Z]", code = "capital"))]
    title: String,
    #[validate(must_match(other = pin, code = "pin_mismatch"))]
    pin_again: String,
    #[validate(custom(function = strong_password, code = "custom_code"))]
    secret: String,
    #[validate(length(min = 1), each(email, length(max = 30)))]
    cc: Vec<String>,
    #[validate(range(min = -5, max = 5))]
    delta: Option<i32>,
}

#[test]
fn parenthesized_forms_take_code_and_message() {
    let v = Options {
        email: "nope".into(),
        pin: "12345".into(),
        ratio: 1.0,
        handle: "x".into(),
        nick: "superadmin".into(),
        title: "lower".into(),
        pin_again: "1234".into(),
        secret: "nodigits".into(),
        cc: vec!["a@b.c".into(), "bad".into()],
        delta: Some(-6),
    };
    let errors = v.validate().unwrap_err();
    let seen: Vec<_> = errors
        .iter()
        .map(|e| format!("{} {} {}", e.path, e.error.code(), e.error.message()))
        .collect();
    assert_eq!(
        seen,
        [
            "email work_email use your work address",
            "pin pin length must be exactly 4",
            "ratio range value must be greater than 0.0 and less than 1.0",
            "handle contains needs an at sign",
            "nick does_not_contain must not contain \"admin\"",
            "title capital does not match the required pattern",
            "pin_again pin_mismatch must match `pin`",
            "secret custom_code needs a digit",
            "cc[1] email must be a valid email address",
            "delta range value must be between -5 and 5",
        ]
    );
    let nan = Options {
        ratio: f64::NAN,
        ..v
    };
    assert!(nan.validate().unwrap_err().at("ratio").next().is_some());
}

#[test]
fn serde_names_are_used_in_paths() {
    #[derive(Validate, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Form {
        #[validate(email)]
        contact_email: String,
        #[serde(rename = "zip")]
        #[validate(length(equal = 5))]
        postal_code: String,
        #[serde(flatten)]
        #[validate(nested)]
        address: Address,
        #[validate(nested)]
        billing_address: Option<Address>,
    }
    let form = Form {
        contact_email: "x".into(),
        postal_code: "1".into(),
        address: Address {
            street: String::new(),
            zip: "12345".into(),
        },
        billing_address: Some(Address {
            street: "s".into(),
            zip: "bad".into(),
        }),
    };
    let errors = form.validate().unwrap_err();
    let p: Vec<_> = errors.iter().map(|e| e.path.as_ref()).collect();
    assert_eq!(p, ["contactEmail", "zip", "street", "billingAddress.zip"]);
}

#[test]
fn enums_validate_their_variant_fields() {
    #[derive(Validate)]
    enum Payment {
        Card {
            #[validate(length(equal = 16))]
            number: String,
            #[validate(range(min = 1, max = 12))]
            month: u8,
        },
        Iban(#[validate(length(min = 15, max = 34))] String),
        Cash,
    }
    assert!(Payment::Cash.validate().is_ok());
    let e = Payment::Card {
        number: "1".into(),
        month: 13,
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        e.iter().map(|e| e.path.as_ref()).collect::<Vec<_>>(),
        ["number", "month"]
    );
    let e = Payment::Iban("DE".into()).validate().unwrap_err();
    assert_eq!(e.iter().next().unwrap().path, "0");
}

#[test]
fn nested_collections_and_generics() {
    #[derive(Validate)]
    struct Page<T> {
        #[validate(nested)]
        items: Vec<T>,
        #[validate(length(max = 2), each(nested))]
        extra: Vec<Address>,
    }
    let bad = Address {
        street: "s".into(),
        zip: "x".into(),
    };
    let page = Page {
        items: vec![valid().address, bad.clone()],
        extra: vec![bad.clone(), bad.clone(), bad],
    };
    let errors = page.validate().unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.path.as_ref()).collect::<Vec<_>>(),
        [
            "items[1].zip",
            "extra",
            "extra[0].zip",
            "extra[1].zip",
            "extra[2].zip"
        ]
    );
    assert_eq!(page.validate_parallel(), Err(errors));
}

#[test]
fn custom_rule_types_can_be_ranged() {
    #[derive(PartialEq, PartialOrd, serde::Serialize)]
    struct Cents(i64);
    impl armature::validation::Ranged for Cents {
        type Bound = Cents;
        fn ranged(&self) -> &Cents {
            self
        }
    }
    #[derive(Validate)]
    struct Price {
        #[validate(range(min = Cents(1), max = Cents(10_000)))]
        amount: Cents,
    }
    assert!(Price { amount: Cents(5) }.validate().is_ok());
    let e = Price { amount: Cents(0) }.validate().unwrap_err();
    assert_eq!(e.iter().next().unwrap().error.param("min"), Some(&json!(1)));
}

#[test]
fn batch_reports_failures_by_index() {
    let mut records: Vec<SignUp> = (0..1_000).map(|_| valid()).collect();
    for i in [3, 500, 999] {
        records[i].age = 200;
    }
    let report = validate_batch(&records);
    assert_eq!(report.total, 1_000);
    assert_eq!(
        report.failures.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [3, 500, 999]
    );
    assert_eq!(report.passed(), 997);
    assert!(!report.is_ok());
    assert!(validate_batch(&records[..3]).is_ok());
}

mod parallel_equals_sequential {
    use super::*;
    use proptest::prelude::*;

    fn costly(s: &str) -> Result<(), ValidationError> {
        // ~20 µs: enough that validate_parallel really goes to the pool.
        let mut h = 0u64;
        for _ in 0..std::hint::black_box(3_000) {
            for b in s.bytes() {
                h = h.wrapping_mul(31).wrapping_add(u64::from(b));
            }
        }
        if h.is_multiple_of(3) {
            Err(ValidationError::new("hash").with_param("mod", 3))
        } else {
            Ok(())
        }
    }

    #[derive(Validate, Debug)]
    struct Wide {
        #[validate(custom = costly, length(max = 6))]
        a: String,
        #[validate(custom = costly, email)]
        b: String,
        #[validate(custom = costly)]
        c: String,
        #[validate(nested)]
        d: Address,
        #[validate(each(custom = costly, length(min = 2)))]
        e: Vec<String>,
        #[validate(must_match = a, custom = costly)]
        f: String,
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-z@.]{0,9}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn identical_results(
            a in text(), b in text(), c in text(), f in text(),
            street in "[a-z]{0,3}", zip in "[0-9]{4,6}",
            e in proptest::collection::vec(text(), 0..6),
        ) {
            let w = Wide { a, b, c, d: Address { street, zip }, e, f };
            // Run both many times so the adaptive path is taken both ways.
            let sequential = w.validate();
            for _ in 0..3 {
                prop_assert_eq!(&w.validate_parallel(), &sequential);
            }
            // And from a compute-pool thread, where the bar to go parallel is lower.
            let w = &w;
            prop_assert_eq!(&armature::pool::install(|| w.validate_parallel()), &sequential);
        }
    }
}
