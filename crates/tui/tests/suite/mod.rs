mod app;
mod screens;
mod support;
