//! The commands: each maps flags to one generated operation of the client library.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use dingtalk_oapi::{ApiErrorCode, Client, Error, ExtContactUpdate, NewExtContact};
use futures_util::TryStreamExt;

use crate::{Failure, Output, exit, output};

#[derive(Subcommand, Debug)]
pub enum ExtContact {
    /// List the tag groups of external contacts.
    ListLabelGroups(PageArgs),
    /// List external contacts.
    List {
        #[command(flatten)]
        page: PageArgs,
        /// Only contacts that carry this tag id (filters every page, as if `--all` were given).
        #[arg(long)]
        label_id: Option<i64>,
    },
    /// Show one external contact.
    Get {
        #[arg(long)]
        user_id: String,
    },
    /// Add an external contact; prints its user id.
    Create(Box<CreateArgs>),
    /// Update an external contact.
    Update(Box<UpdateArgs>),
    /// Delete an external contact.
    Delete {
        #[arg(long)]
        user_id: String,
    },
}

/// Paging flags of the list commands.
#[derive(Args, Debug)]
pub struct PageArgs {
    /// Page size (1..=100).
    #[arg(long, allow_negative_numbers = true)]
    size: Option<i64>,
    /// Offset of the first item (from 0).
    #[arg(long, allow_negative_numbers = true)]
    offset: Option<i64>,
    /// Walk every page.
    #[arg(long)]
    all: bool,
}

/// Fields both `create` and `update` take.
#[derive(Args, Debug, Default)]
pub struct ContactFields {
    /// The contact's name.
    #[arg(long)]
    name: Option<String>,
    /// Staff member who follows up the contact.
    #[arg(long)]
    follower_user_id: Option<String>,
    /// Tag id (repeat for several; at most 20).
    #[arg(long = "label-id")]
    label_ids: Vec<i64>,
    #[arg(long)]
    title: Option<String>,
    /// Department to share the contact with (repeatable).
    #[arg(long = "share-dept-id")]
    share_dept_ids: Vec<i64>,
    /// User to share the contact with (repeatable).
    #[arg(long = "share-user-id")]
    share_user_ids: Vec<String>,
    #[arg(long)]
    remark: Option<String>,
    #[arg(long)]
    address: Option<String>,
    #[arg(long)]
    company_name: Option<String>,
    /// Read the whole `contact` object from a JSON file; flags override its fields.
    #[arg(long = "json", value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Mobile number.
    #[arg(long)]
    mobile: Option<String>,
    /// Country calling code of the mobile number, e.g. 86.
    #[arg(long)]
    state_code: Option<String>,
    #[command(flatten)]
    fields: ContactFields,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The contact to update.
    #[arg(long)]
    user_id: Option<String>,
    #[command(flatten)]
    fields: ContactFields,
}

/// Maps a client error to the command's exit code and one line for stderr.
pub fn failure<C: ApiErrorCode>(e: Error<C>) -> Failure {
    let code = match &e {
        Error::Validation(_) => exit::USAGE,
        Error::Api(_) => exit::API,
        Error::Auth(a) if a.errcode.is_some() || a.code.is_some() => exit::API,
        _ => exit::TRANSPORT,
    };
    Failure { code, message: e.to_string() }
}

/// DingTalk answered errcode 0 without the field the command prints.
fn missing(operation: &str, field: &str) -> Failure {
    Failure {
        code: exit::TRANSPORT,
        message: format!("{operation} failed: DingTalk answered errcode 0 without `{field}`; nothing to print"),
    }
}

/// Reads a `contact` object from a JSON file.
fn read_object<T: serde::de::DeserializeOwned>(path: &PathBuf) -> Result<T, Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Failure::usage(format!("{} is not a contact object: {e}", path.display())))
}

macro_rules! apply_fields {
    ($contact:ident, $f:expr) => {{
        let f = $f;
        if let Some(v) = f.name {
            $contact = $contact.name(v);
        }
        if let Some(v) = f.follower_user_id {
            $contact = $contact.follower_user_id(v);
        }
        if !f.label_ids.is_empty() {
            $contact = $contact.label_ids(f.label_ids);
        }
        if let Some(v) = f.title {
            $contact = $contact.title(v);
        }
        if !f.share_dept_ids.is_empty() {
            $contact = $contact.share_dept_ids(f.share_dept_ids);
        }
        if !f.share_user_ids.is_empty() {
            $contact = $contact.share_user_ids(f.share_user_ids);
        }
        if let Some(v) = f.remark {
            $contact = $contact.remark(v);
        }
        if let Some(v) = f.address {
            $contact = $contact.address(v);
        }
        if let Some(v) = f.company_name {
            $contact = $contact.company_name(v);
        }
    }};
}

pub async fn ext_contact(client: &Client, cmd: ExtContact, out: Output) -> Result<(), Failure> {
    match cmd {
        ExtContact::ListLabelGroups(PageArgs { size, offset, all }) => {
            let mut call = client.list_label_groups();
            if let Some(s) = size {
                call = call.size(s);
            }
            if let Some(o) = offset {
                call = call.offset(o);
            }
            let groups = if all {
                call.into_paginator().items().try_collect::<Vec<_>>().await.map_err(failure)?
            } else {
                call.send().await.map_err(failure)?.results
            };
            match out {
                Output::Json => output::json(&groups),
                Output::Table => output::table(&output::label_groups_table(&groups)),
            }
        }
        ExtContact::List { page: PageArgs { size, offset, all }, label_id } => {
            let mut call = client.list_contacts();
            if let Some(s) = size {
                call = call.size(s);
            }
            if let Some(o) = offset {
                call = call.offset(o);
            }
            let mut contacts = if all || label_id.is_some() {
                call.into_paginator().items().try_collect::<Vec<_>>().await.map_err(failure)?
            } else {
                call.send().await.map_err(failure)?.results
            };
            if let Some(id) = label_id {
                contacts.retain(|c| c.label_ids.contains(&id));
            }
            match out {
                Output::Json => output::json(&contacts),
                Output::Table => output::table(&output::contacts_table(&contacts)),
            }
        }
        ExtContact::Get { user_id } => {
            let response = client.get_contact(user_id).send().await.map_err(failure)?;
            let contact = response.result.ok_or_else(|| missing("GetContact", "result"))?;
            match out {
                Output::Json => output::json(&contact),
                Output::Table => output::table(&output::contact_details(&contact)),
            }
        }
        ExtContact::Create(args) => {
            let args = *args;
            let mut contact: NewExtContact = match &args.fields.json {
                Some(path) => read_object(path)?,
                None => NewExtContact::new(),
            };
            if let Some(v) = args.mobile {
                contact = contact.mobile(v);
            }
            if let Some(v) = args.state_code {
                contact = contact.state_code(v);
            }
            apply_fields!(contact, args.fields);
            let response = client.create_contact(contact).send().await.map_err(failure)?;
            let user_id =
                response.userid.filter(|id| !id.is_empty()).ok_or_else(|| missing("CreateContact", "userid"))?;
            match out {
                Output::Json => output::json(&serde_json::json!({ "userid": user_id })),
                Output::Table => output::table(&format!("created external contact {user_id}")),
            }
        }
        ExtContact::Update(args) => {
            let args = *args;
            let mut contact: ExtContactUpdate = match &args.fields.json {
                Some(path) => read_object(path)?,
                None => ExtContactUpdate::new(),
            };
            if let Some(v) = args.user_id {
                contact = contact.user_id(v);
            }
            apply_fields!(contact, args.fields);
            let user_id = contact.user_id.clone().unwrap_or_default();
            client.update_contact(contact).send().await.map_err(failure)?;
            match out {
                Output::Json => output::json(&serde_json::json!({ "userid": user_id, "updated": true })),
                Output::Table => output::table(&format!("updated external contact {user_id}")),
            }
        }
        ExtContact::Delete { user_id } => {
            client.delete_contact(user_id.as_str()).send().await.map_err(failure)?;
            match out {
                Output::Json => output::json(&serde_json::json!({ "userid": user_id, "deleted": true })),
                Output::Table => output::table(&format!("deleted external contact {user_id}")),
            }
        }
    }
}
