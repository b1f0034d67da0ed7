//! The typed httpmock helpers, used the way an SDK user would in their own tests.

mod helpers;
