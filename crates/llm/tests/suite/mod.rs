mod anthropic;
mod common;
mod gemini;
mod live;
mod openai;
mod registry;
