//! The widest pipeline `pipeline!` takes, inside `#[controller]` (one more
//! level of macro nesting), stays within rustc's default recursion limit.

use armature::prelude::*;

macro_rules! noops {
    ($($name:ident),*) => {$(
        #[middleware(independent)]
        async fn $name(_: &RequestHead) {}
    )*};
}

noops!(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21, m22, m23, m24, m25, m26, m27, m28, m29, m30, m31, m32, m33, m34, m35, m36, m37, m38, m39, m40, m41, m42, m43, m44, m45, m46, m47);

struct Wide;

#[controller("/wide", middleware = pipeline![m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21, m22, m23, m24, m25, m26, m27, m28, m29, m30, m31, m32, m33, m34, m35, m36, m37, m38, m39, m40, m41, m42, m43, m44, m45, m46, m47])]
impl Wide {
    #[get("/")]
    async fn index(&self) -> &'static str {
        "wide"
    }
}

fn main() {
    let _ = App::new().controller(Wide);
}
