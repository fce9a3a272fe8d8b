//! The Anthropic dialect. (Being written; see the provider helpers.)

use async_trait::async_trait;
use distiq_core::ProviderKind;

use crate::provider::ProviderSettings;
use crate::transport::Transport;
use crate::{CallContext, ChatRequest, ChatResponse, Error, Provider, Result};

#[derive(Debug)]
pub(crate) struct Anthropic {
    settings: ProviderSettings,
    #[allow(dead_code)]
    transport: Transport,
}

impl Anthropic {
    pub(crate) fn new(settings: ProviderSettings) -> Result<Self> {
        let transport = settings.transport()?;
        Ok(Self { settings, transport })
    }
}

#[async_trait]
impl Provider for Anthropic {
    fn name(&self) -> &str {
        &self.settings.name
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    async fn send(&self, _req: &ChatRequest, _ctx: &CallContext) -> Result<ChatResponse> {
        Err(Error::Config { provider: self.settings.name.clone(), message: "dialect under construction".into() })
    }
}
