//! `/settings/security`: the caller's multi-factor authentication (enable with an authenticator
//! app and backup codes, regenerate the codes, turn it off) and the organization's security
//! policy (Owners change it; everyone sees it).

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::{SignedInUser, current_user};
use crate::api::mfa::{
    ActivateMfa, BACKUP_CODES_LOW, BackupCodesView, ConfirmMfaEnrollment, DisableMfa,
    MfaEnrollmentView, RegenerateBackupCodes, StartMfaEnrollment,
};
use crate::auth::use_auth;
use crate::components::backup_codes::BackupCodeList;
use crate::components::dialog::Modal;
use crate::components::form::{Field, FormError, FormStatus, ProofField, action_error};
use crate::components::security_policy::SecurityPolicyPanel;
use crate::components::sign_in_methods::SignInMethods;
use crate::components::toast::use_toasts;
use crate::saved::{Saved, SettingsPage, saved_message};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let auth = use_auth();
    let saved = saved_message(SettingsPage::Security);
    view! {
        <Title text="Security"/>
        <h1>"Security"</h1>
        <FormStatus message=saved/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                auth.current().await.map(|me| {
                    let required = me.mfa_enrollment_required;
                    view! {
                        {required.then(|| view! {
                            <p class="notice warning" role="alert">
                                "Your organization requires multi-factor authentication. "
                                "Set it up below to continue using Gatehouse."
                            </p>
                        })}
                        <MfaPanel me/>
                    }
                })
            })}
        </Suspense>
        <SignInMethods/>
        <SecurityPolicyPanel/>
    }
}

/// The caller's MFA: off (with the enrollment steps) or on (backup codes, turn off).
#[component]
fn MfaPanel(me: SignedInUser) -> impl IntoView {
    let enabled = me.user.mfa_enabled;
    let remaining = me.user.backup_codes_remaining;
    view! {
        <section class="panel" aria-labelledby="mfa-heading">
            <div class="panel-head">
                <h2 id="mfa-heading">"Multi-factor authentication"</h2>
                {if enabled {
                    Either::Left(view! { <span class="status active">"On"</span> })
                } else {
                    Either::Right(view! { <span class="status">"Off"</span> })
                }}
            </div>
            {if enabled {
                Either::Left(view! { <MfaOn remaining/> })
            } else {
                Either::Right(view! { <Enrollment proven=me.recently_proven/> })
            }}
        </section>
    }
}

/// Enable MFA → scan and enter a code → save the backup codes → Activate MFA. Nothing is on
/// before the last step; leaving half-way leaves MFA off.
#[component]
fn Enrollment(proven: bool) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let start = ServerAction::<StartMfaEnrollment>::new();
    let confirm = ServerAction::<ConfirmMfaEnrollment>::new();
    let activate = ServerAction::<ActivateMfa>::new();
    let start_error = action_error(start);
    let confirm_error = action_error(confirm);
    let activate_error = action_error(activate);
    let saved_codes = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(me)) = activate.value().get() {
            auth.set(Some(me));
            toasts.show(Saved::MfaOn.toast());
        }
    });
    Effect::new(move |_| {
        for error in [start_error.get(), confirm_error.get(), activate_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });
    let enrollment = move || start.value().get().and_then(Result::ok);
    let codes = move || confirm.value().get().and_then(Result::ok);
    move || match (enrollment(), codes()) {
        (None, _) => EitherOf3::A(view! {
            <p class="panel-intro">
                "Protect your account with a second step at sign-in: a code from an authenticator "
                "app such as Google Authenticator, Authy or 1Password."
            </p>
            <ActionForm action=start>
                <FormError error=start_error/>
                <ProofField id="enroll-proof" proven error=start_error/>
                <button type="submit" class="button primary" disabled=move || start.pending().get()>
                    "Enable MFA"
                </button>
            </ActionForm>
        }),
        (Some(setup), None) => {
            EitherOf3::B(view! { <ScanStep setup confirm error=confirm_error/> })
        }
        (Some(_), Some(codes)) => EitherOf3::C(view! {
            <h3>"Save your backup codes"</h3>
            <p class="panel-intro">
                "If you lose your phone, each of these codes signs you in once. They are shown "
                "only now: keep them somewhere safe, such as a password manager."
            </p>
            <BackupCodeList codes=codes.backup_codes/>
            <FormError error=activate_error/>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || saved_codes.get()
                    on:change=move |ev| saved_codes.set(event_target_checked(&ev))
                />
                "I have saved my backup codes"
            </label>
            <div class="actions">
                <button
                    type="button"
                    class="button primary"
                    disabled=move || !saved_codes.get() || activate.pending().get()
                    on:click=move |_| {
                        activate.dispatch(ActivateMfa {});
                    }
                >
                    "Activate MFA"
                </button>
            </div>
        }),
    }
}

/// Step 1: the QR code and the key to type in, then the first code.
#[component]
fn ScanStep(
    setup: MfaEnrollmentView,
    confirm: ServerAction<ConfirmMfaEnrollment>,
    #[prop(into)] error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <ol class="steps">
            <li>
                <p>"Scan this QR code with your authenticator app."</p>
                <div
                    class="qr-code"
                    role="img"
                    aria-label="QR code for setting up your authenticator app"
                    inner_html=setup.qr_svg
                ></div>
                <p class="field-hint">"Can't scan it? Enter this setup key in the app instead:"</p>
                <p><code class="setup-key" data-otpauth=setup.otpauth_uri>{setup.secret}</code></p>
            </li>
            <li>
                <ActionForm action=confirm>
                    <FormError error/>
                    <Field
                        label="Enter the 6-digit code"
                        name="code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        maxlength=12
                        error
                    />
                    <button type="submit" class="button primary" disabled=move || confirm.pending().get()>
                        "Verify code"
                    </button>
                </ActionForm>
            </li>
        </ol>
    }
}

/// MFA on: how many backup codes remain, new codes, turning MFA off.
#[component]
fn MfaOn(remaining: i64) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let regenerate = ServerAction::<RegenerateBackupCodes>::new();
    let disable = ServerAction::<DisableMfa>::new();
    let regenerate_error = action_error(regenerate);
    let disable_error = action_error(disable);
    let regenerate_open = RwSignal::new(false);
    let disable_open = RwSignal::new(false);
    let new_codes: Signal<Option<BackupCodesView>> =
        Signal::derive(move || regenerate.value().get().and_then(Result::ok));
    Effect::new(move |_| {
        // Once the new codes' dialog is closed, the counts on the page and in the banners follow
        // the new set (refreshing earlier would re-render this panel and lose the codes).
        if !regenerate_open.get() && new_codes.get_untracked().is_some() {
            leptos::task::spawn_local(async move {
                if let Ok(me) = current_user().await {
                    auth.set(Some(me));
                }
            });
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(me)) = disable.value().get() {
            disable_open.set(false);
            auth.set(Some(me));
            toasts.show(Saved::MfaOff.toast());
        }
    });
    Effect::new(move |_| {
        for error in [regenerate_error.get(), disable_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });
    let low = remaining <= BACKUP_CODES_LOW;
    view! {
        <p class="panel-intro">
            "You are asked for a code from your authenticator app when you sign in."
        </p>
        <p class:warning-text=low>
            {format!("{remaining} of 10 backup codes left.")}
            {low.then_some(" Make new ones so you are not locked out.")}
        </p>
        <div class="actions">
            <button type="button" class="button" on:click=move |_| regenerate_open.set(true)>
                "Regenerate backup codes"
            </button>
            <button type="button" class="button danger" on:click=move |_| disable_open.set(true)>
                "Disable MFA"
            </button>
        </div>
        <Modal id="regenerate-codes-dialog" title="Regenerate backup codes" open=regenerate_open>
            {move || match new_codes.get() {
                Some(codes) => Either::Left(view! {
                    <p>"Your old backup codes no longer work. Save these new ones:"</p>
                    <BackupCodeList codes=codes.backup_codes/>
                }),
                None => Either::Right(view! {
                    <ActionForm action=regenerate>
                        <p>"Enter a code from your authenticator app (or a backup code) to make a new set. The old codes stop working."</p>
                        <FormError error=regenerate_error/>
                        <Field label="Code" name="code" autocomplete="one-time-code" maxlength=32 error=regenerate_error/>
                        <button type="submit" class="button primary" disabled=move || regenerate.pending().get()>
                            "Regenerate"
                        </button>
                    </ActionForm>
                }),
            }}
        </Modal>
        <Modal id="disable-mfa-dialog" title="Disable MFA" open=disable_open close_label="Cancel">
            <ActionForm action=disable>
                <p>"Signing in will then need only your password. Enter a code from your authenticator app (or a backup code) to confirm."</p>
                <FormError error=disable_error/>
                <Field label="Code" name="code" autocomplete="one-time-code" maxlength=32 error=disable_error/>
                <button type="submit" class="button danger" disabled=move || disable.pending().get()>
                    "Disable MFA"
                </button>
            </ActionForm>
        </Modal>
    }
}
