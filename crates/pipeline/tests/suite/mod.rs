mod common;
mod run;
mod session;
