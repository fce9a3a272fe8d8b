mod diff;
mod model;
mod util;
