// rust-app: the Fibonacci number of its argument (default 90), the arch it was compiled for and the
// user it runs as (through the libc crate, packaged by Debian).
fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(90);
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    let uid = unsafe { libc::getuid() };
    println!("rust-app on {}: fib({}) = {}, uid {}", std::env::consts::ARCH, n, a, uid);
}
