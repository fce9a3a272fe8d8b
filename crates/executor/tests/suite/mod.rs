mod apply;
mod crash;
mod git;
mod matcher;
mod paths;
mod plan;
mod support;
