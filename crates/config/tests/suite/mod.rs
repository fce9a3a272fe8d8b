mod check;
mod errors;
mod layers;
mod route;
mod util;
