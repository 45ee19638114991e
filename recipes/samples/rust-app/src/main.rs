// rust-app: the Fibonacci number of its argument (default 90) and the arch it was compiled for.
fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(90);
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    println!("rust-app on {}: fib({}) = {}", std::env::consts::ARCH, n, a);
}
